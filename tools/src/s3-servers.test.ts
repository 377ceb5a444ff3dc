import { describe, expect, it } from 'vitest';
import { s3TestServers, serversRequired } from './s3-servers.js';

const radosgwEnv = {
  GITMIRROR_RADOSGW_ENDPOINT: 'http://127.0.0.1:1',
  GITMIRROR_RADOSGW_ACCESS_KEY_ID: 'AK',
  GITMIRROR_RADOSGW_SECRET_ACCESS_KEY: 'SK',
  GITMIRROR_RADOSGW_REGION: 'default',
};

describe('s3TestServers', () => {
  it('describes every server whose variables are set', () => {
    const slots = s3TestServers({ ...radosgwEnv, GITMIRROR_MOTO_ENDPOINT: 'http://127.0.0.1:2' });
    expect(slots).toEqual([
      { name: 'radosgw', server: { name: 'radosgw', endpoint: 'http://127.0.0.1:1', region: 'default', accessKeyId: 'AK', secretAccessKey: 'SK' } },
      { name: 'moto', server: { name: 'moto', endpoint: 'http://127.0.0.1:2', region: 'us-east-1', accessKeyId: 'testing', secretAccessKey: 'testing' } },
    ]);
  });

  it('gives a skip reason naming the variable and the script for a missing server', () => {
    const [radosgw, moto] = s3TestServers(radosgwEnv);
    expect(radosgw.skipReason).toBeUndefined();
    expect(moto).toEqual({ name: 'moto', skipReason: expect.stringContaining('GITMIRROR_MOTO_ENDPOINT') });
    expect(moto.skipReason).toContain('tools/servers/moto.sh start');
  });

  it('throws instead of skipping when GITMIRROR_REQUIRE_SERVERS=1', () => {
    expect(serversRequired({ GITMIRROR_REQUIRE_SERVERS: '1' })).toBe(true);
    expect(serversRequired({})).toBe(false);
    expect(() => s3TestServers({ ...radosgwEnv, GITMIRROR_REQUIRE_SERVERS: '1' })).toThrow(/GITMIRROR_MOTO_ENDPOINT is not set/);
  });
});
