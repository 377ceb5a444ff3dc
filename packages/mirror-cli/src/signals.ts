import { AbortedError } from '@gitmirror/mirror-core';

/** Exit status after a signal: 128 + its number, as shells report it (130 for Ctrl-C). */
const EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;

/** Cancellation driven by SIGINT and SIGTERM. */
export interface SignalTrap {
  /** Aborted on the first SIGINT or SIGTERM; in-flight work stops and cleans up. */
  readonly signal: AbortSignal;
  /** The signal received first, if any. */
  received(): string | undefined;
  /** 130 after SIGINT, 143 after SIGTERM, `undefined` when no signal came. */
  exitCode(): number | undefined;
  /** Removes the handlers. */
  dispose(): void;
}

/**
 * Turns the first SIGINT or SIGTERM into an aborted signal so work stops cleanly (no half-published mirror, no
 * multipart upload left open); a second one exits at once.
 */
export function trapSignals(): SignalTrap {
  const controller = new AbortController();
  let received: keyof typeof EXIT_CODES | undefined;
  const handle = (name: keyof typeof EXIT_CODES) => {
    if (received) process.exit(EXIT_CODES[received]);
    received = name;
    controller.abort(new AbortedError(`interrupted by ${name}`));
  };
  const onInt = () => handle('SIGINT');
  const onTerm = () => handle('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return {
    signal: controller.signal,
    received: () => received,
    exitCode: () => received && EXIT_CODES[received],
    dispose() {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    },
  };
}
