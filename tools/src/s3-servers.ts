/** An S3-compatible server started by the `tools/servers` scripts, as seen by tests. */
export interface S3TestServer {
  name: S3ServerName;
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/** The S3-compatible servers the workspace tests against. */
export type S3ServerName = 'radosgw' | 'moto';

/** One configured server, or the reason it is not available (tests report it as skipped with that reason). */
export interface S3TestServerSlot {
  name: S3ServerName;
  server?: S3TestServer;
  skipReason?: string;
}

/** True when `GITMIRROR_REQUIRE_SERVERS=1`: tests must fail, never skip, when a server is missing (CI). */
export function serversRequired(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.GITMIRROR_REQUIRE_SERVERS === '1';
}

/**
 * The S3 test servers described by the environment (`GITMIRROR_RADOSGW_*`, `GITMIRROR_MOTO_ENDPOINT`).
 * A missing server yields a slot with a skip reason, or throws when servers are required.
 */
export function s3TestServers(env: NodeJS.ProcessEnv = process.env): S3TestServerSlot[] {
  const slots: S3TestServerSlot[] = [
    env.GITMIRROR_RADOSGW_ENDPOINT
      ? {
          name: 'radosgw',
          server: {
            name: 'radosgw',
            endpoint: env.GITMIRROR_RADOSGW_ENDPOINT,
            region: env.GITMIRROR_RADOSGW_REGION ?? 'us-east-1',
            accessKeyId: env.GITMIRROR_RADOSGW_ACCESS_KEY_ID ?? '',
            secretAccessKey: env.GITMIRROR_RADOSGW_SECRET_ACCESS_KEY ?? '',
          },
        }
      : { name: 'radosgw', skipReason: 'GITMIRROR_RADOSGW_ENDPOINT is not set (start it with tools/servers/radosgw.sh start)' },
    env.GITMIRROR_MOTO_ENDPOINT
      ? {
          name: 'moto',
          server: { name: 'moto', endpoint: env.GITMIRROR_MOTO_ENDPOINT, region: 'us-east-1', accessKeyId: 'testing', secretAccessKey: 'testing' },
        }
      : { name: 'moto', skipReason: 'GITMIRROR_MOTO_ENDPOINT is not set (start it with tools/servers/moto.sh start)' },
  ];
  const missing = slots.filter((slot) => !slot.server);
  if (missing.length > 0 && serversRequired(env)) {
    throw new Error(`GITMIRROR_REQUIRE_SERVERS=1 but: ${missing.map((slot) => slot.skipReason).join('; ')}`);
  }
  return slots;
}
