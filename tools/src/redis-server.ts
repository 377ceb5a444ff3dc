import { serversRequired } from './s3-servers.js';

/** The Redis server started by `tools/servers/redis.sh`, or the reason it is not available. */
export interface RedisTestServerSlot {
  /** `redis://127.0.0.1:PORT`. */
  url?: string;
  skipReason?: string;
}

/**
 * The Redis test server described by the environment (`GITMIRROR_REDIS_URL`). When it is missing, the slot carries a
 * skip reason, or this throws when servers are required (`GITMIRROR_REQUIRE_SERVERS=1`).
 */
export function redisTestServer(env: NodeJS.ProcessEnv = process.env): RedisTestServerSlot {
  if (env.GITMIRROR_REDIS_URL) return { url: env.GITMIRROR_REDIS_URL };
  const skipReason = 'GITMIRROR_REDIS_URL is not set (start it with tools/servers/redis.sh start)';
  if (serversRequired(env)) throw new Error(`GITMIRROR_REQUIRE_SERVERS=1 but: ${skipReason}`);
  return { skipReason };
}
