import type { Argv } from 'yargs';

const SOURCE_GROUP = 'Sources:';
const S3_GROUP = 'S3 targets:';
const OUTPUT_GROUP = 'Output:';

/** Options every command takes: config file, output, HTTP sources, S3 targets. None has a yargs default, so the
 * environment and the config file can fill in what the flags leave out. */
export function withSharedOptions<T>(argv: Argv<T>): Argv<T> {
  return argv
    .option('config', { type: 'string', requiresArg: true, describe: 'Config file (JSON or YAML) with settings and mirrors; - reads mirrors as JSON lines from stdin' })
    .option('quiet', { alias: 'q', type: 'boolean', describe: 'Print nothing on stderr', group: OUTPUT_GROUP })
    .option('json', { type: 'boolean', describe: 'Print one JSON document with the results on stdout', group: OUTPUT_GROUP })
    .option('header', { type: 'string', array: true, describe: "Extra HTTP request header 'Name: value' (credential headers only via env or config)", group: SOURCE_GROUP })
    .option('netrc', { type: 'string', describe: 'Read credentials from ~/.netrc (the default) or from the given file; --no-netrc to skip', group: SOURCE_GROUP })
    .option('timeout', { type: 'string', describe: 'Wait at most this long for a server to answer (30, 30s, 2m; default 120s)', group: SOURCE_GROUP })
    .option('retries', { type: 'number', describe: 'Retries of requests failing with 429, 5xx or no connection, before the pack starts (default 3)', group: SOURCE_GROUP })
    .option('s3-endpoint-url', { type: 'string', describe: 'Endpoint of an S3-compatible server, e.g. http://127.0.0.1:9000', group: S3_GROUP })
    .option('s3-force-path-style', { type: 'boolean', describe: 'Address buckets as endpoint/bucket instead of bucket.endpoint', group: S3_GROUP })
    .option('s3-storage-class', { type: 'string', describe: 'Storage class of written objects (STANDARD, INTELLIGENT_TIERING, …)', group: S3_GROUP })
    .option('s3-checksums', { type: 'boolean', describe: 'Send and check CRC32 checksums (default); --no-s3-checksums for servers that miscompute them', group: S3_GROUP })
    .option('s3-unquoted-if-match', { type: 'boolean', describe: 'Send If-Match etags without quotes from the first write (Ceph radosgw 16); without it the first refused write teaches that, one request more', group: S3_GROUP });
}
