#!/usr/bin/env node
// Our side of the mirror-express benchmark: one `mirrorRepo` from the source into the bucket, with an S3 client built
// exactly as mirror-naive.mjs builds its own.
//
// usage: node tools/bench/mirror-ours.mjs <source-url> <s3-endpoint> <bucket> <prefix>   (credentials from AWS_*)
import { S3Client } from '@aws-sdk/client-s3';
import { mirrorRepo } from '@gitmirror/mirror-core';

const [source, endpoint, bucket, prefix] = process.argv.slice(2);
const result = await mirrorRepo(source, `s3://${bucket}/${prefix}`, { target: { getS3Client: () => new S3Client({ endpoint, forcePathStyle: true }) } });
if (!result.pack) throw new Error('the mirror wrote no pack');
