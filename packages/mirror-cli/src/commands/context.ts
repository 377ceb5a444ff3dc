import type { Io } from '../io.js';

/** What command handlers run with: the process's streams and signals, and where to put the exit code. */
export interface CommandContext {
  io: Io;
  exit(code: number): void;
}
