import type { S3Client } from '@aws-sdk/client-s3';
import { mirrorRepos, type MirrorOutcome } from '@gitmirror/mirror-core';
import type { MirrorArguments } from './commands/mirror.js';

/** Where the command writes its human-readable report. */
export interface Output {
  stderr: { write(text: string): unknown };
}

/** Mirrors every `--source`/`--target` pair, prints one line per repository and returns the exit code. */
export async function runMirror(options: MirrorArguments, output: Output): Promise<number> {
  const pairs = options.source.map((source, index) => [source, options.target[index]] as const);
  const { s3EndpointUrl: endpoint, s3ForcePathStyle: forcePathStyle } = options;
  const outcomes = await mirrorRepos(pairs, {
    getS3Client: endpoint ? await s3ClientFactory(endpoint, forcePathStyle) : undefined,
    s3: { forcePathStyle },
  });
  for (const outcome of outcomes) output.stderr.write(`${describe(outcome)}\n`);
  return outcomes.every((outcome) => outcome.ok) ? 0 : 1;
}

/** Builds S3 clients for `--s3-endpoint-url`, loading the AWS SDK only when an endpoint is given. */
async function s3ClientFactory(endpoint: string, forcePathStyle: boolean | undefined): Promise<() => S3Client> {
  const { S3Client } = await import('@aws-sdk/client-s3');
  return () => new S3Client({ endpoint, forcePathStyle });
}

function describe(outcome: MirrorOutcome): string {
  const repo = `${outcome.source} -> ${outcome.target}`;
  if (!outcome.ok) return `error: ${repo}: ${outcome.error.message}`;
  const { result } = outcome;
  if (result.upToDate) return `${repo}: up to date`;
  const changes = `${result.created.length} created, ${result.updated.length} updated, ${result.deleted.length} deleted`;
  const pack = result.pack ? `, ${result.pack.name} (${result.pack.objects} objects, ${result.pack.bytes} bytes)` : '';
  return `${repo}: ${changes}${pack}`;
}
