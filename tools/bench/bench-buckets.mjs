// Buckets of the S3 benchmarks (mirror-s3-latency.mjs, repack.mjs): filling one from a folder, deleting one whole.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { DeleteBucketCommand, DeleteObjectsCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { createTestS3Client } from '@gitmirror/test-servers';

/** Uploads every file under `folder` to `bucket` under `prefix/`, straight to the server. */
export async function uploadFolder(server, bucket, prefix, folder) {
  const client = createTestS3Client(server);
  try {
    const files = readdirSync(folder, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile());
    for (const file of files) {
      const path = join(file.parentPath ?? file.path, file.name);
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}/${relative(folder, path)}`, Body: readFileSync(path) }));
    }
  } finally {
    client.destroy();
  }
}

/** Deletes a mirror and its bucket: radosgw keeps objects in memory. */
export async function deleteBucket(server, bucket) {
  const client = createTestS3Client(server);
  try {
    for (let listed; listed === undefined || listed.IsTruncated; ) {
      listed = await client.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: listed?.NextContinuationToken }));
      const objects = (listed.Contents ?? []).map(({ Key }) => ({ Key }));
      if (objects.length > 0) await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects } }));
    }
    await client.send(new DeleteBucketCommand({ Bucket: bucket }));
  } finally {
    client.destroy();
  }
}
