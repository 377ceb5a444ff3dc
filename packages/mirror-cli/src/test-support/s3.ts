import { ListMultipartUploadsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { createTestS3Client, type S3TestServer } from '@gitmirror/test-servers';

/** Environment and flags that point the command at a test S3 server. */
export function s3Settings(server: S3TestServer): { env: Record<string, string>; args: string[] } {
  return {
    env: {
      AWS_ACCESS_KEY_ID: server.accessKeyId,
      AWS_SECRET_ACCESS_KEY: server.secretAccessKey,
      AWS_REGION: server.region,
      AWS_EC2_METADATA_DISABLED: 'true',
    },
    // radosgw 16 compares If-Match without quotes (the flag keeps the CLI's option exercised: the storage would learn it
    // from the first refused write); moto answers GETs of multipart objects with a wrong full-object CRC32.
    args: ['--s3-endpoint-url', server.endpoint, '--s3-force-path-style', server.name === 'radosgw' ? '--s3-unquoted-if-match' : '--no-s3-checksums'],
  };
}

/** Keys of every object in a bucket under `prefix`. */
export async function listKeys(server: S3TestServer, bucket: string, prefix = ''): Promise<string[]> {
  return (await listObjects(server, bucket, prefix)).map((object) => object.key);
}

/** Every object in a bucket under `prefix`: key, etag and storage class, sorted by key. */
export async function listObjects(server: S3TestServer, bucket: string, prefix = ''): Promise<{ key: string; etag: string; storageClass?: string }[]> {
  const client = createTestS3Client(server);
  try {
    const objects: { key: string; etag: string; storageClass?: string }[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
      objects.push(...(page.Contents ?? []).map((object) => ({ key: object.Key ?? '', etag: object.ETag ?? '', storageClass: object.StorageClass })));
      token = page.NextContinuationToken;
    } while (token);
    return objects.sort((a, b) => a.key.localeCompare(b.key));
  } finally {
    client.destroy();
  }
}

/** Multipart uploads started in a bucket and neither completed nor aborted. */
export async function openMultipartUploads(server: S3TestServer, bucket: string): Promise<string[]> {
  const client = createTestS3Client(server);
  try {
    const page = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
    return (page.Uploads ?? []).map((upload) => upload.Key ?? '');
  } finally {
    client.destroy();
  }
}
