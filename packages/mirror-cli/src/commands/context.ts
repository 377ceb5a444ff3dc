import type { Io } from '../io.js';

/** What command handlers run with: the process's streams and signals, and where to put the exit code. */
export interface CommandContext {
  io: Io;
  /** Sets the exit code; `signalHandled`: a SIGINT/SIGTERM that came was handled (a graceful stop), not a failure. */
  exit(code: number, options?: { signalHandled?: boolean }): void;
}
