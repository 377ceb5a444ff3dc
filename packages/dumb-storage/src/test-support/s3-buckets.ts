import {
  AbortMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3';

/** Keys of the multipart uploads in progress under `prefix` (what a failed upload must not leave behind). */
export async function multipartUploadsIn(client: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const response = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix }));
  return (response.Uploads ?? []).map((upload) => `multipart upload of ${upload.Key}`);
}

/** Empties and removes a test bucket (aborting multipart uploads too). */
export async function removeBucket(client: S3Client, bucket: string): Promise<void> {
  for (;;) {
    const listing = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
    const keys = (listing.Contents ?? []).map((object) => ({ Key: object.Key }));
    if (keys.length === 0) break;
    await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys, Quiet: true } }));
  }
  const uploads = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
  for (const upload of uploads.Uploads ?? []) {
    await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: upload.Key, UploadId: upload.UploadId }));
  }
  await client.send(new DeleteBucketCommand({ Bucket: bucket }));
}
