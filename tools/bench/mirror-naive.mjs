#!/usr/bin/env node
// The naive dumb mirror mirror-express.mjs and mirror-s3-latency.mjs compare against: `git clone --mirror` into a
// temporary folder, `git update-server-info`, then every file uploaded with the same S3 client and sink as ours
// (4 at a time).
//
// usage: node tools/bench/mirror-naive.mjs <source-url> <s3-endpoint> <bucket> <prefix>   (credentials from AWS_*)
import { execFileSync } from 'node:child_process';
import { createReadStream, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { openStorage } from '@gitmirror/dumb-storage';

const [source, endpoint, bucket, prefix] = process.argv.slice(2);
const work = mkdtempSync(join(tmpdir(), 'bench-naive-'));
try {
  const repo = join(work, 'mirror.git');
  execFileSync('git', ['clone', '--quiet', '--mirror', source, repo], { stdio: 'inherit' });
  execFileSync('git', ['-C', repo, 'update-server-info'], { stdio: 'inherit' });
  const storage = await openStorage(`s3://${bucket}/${prefix}`, { getS3Client: () => new S3Client({ endpoint, forcePathStyle: true }) });
  const files = readdirSync(repo, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(repo, join(entry.parentPath ?? entry.path, entry.name)));
  let next = 0;
  const upload = async () => {
    while (next < files.length) {
      const key = files[next++];
      await storage.put(key, createReadStream(join(repo, key)));
    }
  };
  await Promise.all(Array.from({ length: 4 }, upload));
} finally {
  rmSync(work, { recursive: true, force: true });
}
