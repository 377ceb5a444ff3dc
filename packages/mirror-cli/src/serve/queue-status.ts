/** Where a mirror stands in the queue. */
export type MirrorRunState = 'idle' | 'queued' | 'syncing';

/** What the queue knows of a mirror: where it stands, its last success and failure, its next scheduled run. */
export interface QueueStatus {
  state: MirrorRunState;
  lastSuccess: string | null;
  lastFailure: string | null;
  /** The error of the last failure, while no sync has succeeded since. */
  lastError: { code: string; message: string } | null;
  nextScheduled: string | null;
}
