import type { MirrorRunState, QueueStatus } from './queue-status.js';

/** The history of each mirror's syncs kept in memory (the in-process queue's): last success, last failure and its error, next scheduled run. */
export class MirrorHistory {
  readonly #entries = new Map<string, { lastSuccess?: Date; lastFailure?: Date; lastError?: { code: string; message: string }; nextScheduled?: Date }>();

  succeeded(name: string, at: Date): void {
    const entry = this.#entry(name);
    entry.lastSuccess = at;
    entry.lastError = undefined;
  }

  failed(name: string, at: Date, error: { code: string; message: string }): void {
    const entry = this.#entry(name);
    entry.lastFailure = at;
    entry.lastError = error;
  }

  scheduled(name: string, at: Date | undefined): void {
    this.#entry(name).nextScheduled = at;
  }

  /** Forgets mirrors no longer served. */
  keepOnly(names: ReadonlySet<string>): void {
    for (const name of this.#entries.keys()) if (!names.has(name)) this.#entries.delete(name);
  }

  status(name: string, state: MirrorRunState): QueueStatus {
    const entry = this.#entries.get(name) ?? {};
    return {
      state,
      lastSuccess: entry.lastSuccess?.toISOString() ?? null,
      lastFailure: entry.lastFailure?.toISOString() ?? null,
      lastError: entry.lastError ?? null,
      nextScheduled: entry.nextScheduled?.toISOString() ?? null,
    };
  }

  #entry(name: string) {
    let entry = this.#entries.get(name);
    if (!entry) this.#entries.set(name, (entry = {}));
    return entry;
  }
}
