import type { QueueStatus } from './queue-status.js';

/** What `GET /api/mirrors` says of one mirror (URLs redacted, times ISO 8601). */
export interface MirrorStatus extends QueueStatus {
  name: string;
  source: string;
  target: string;
}
