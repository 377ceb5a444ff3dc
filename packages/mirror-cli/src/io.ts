/** A stream the command writes text to. */
export interface TextOutput {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/** Everything a command reads or writes besides storage and network: streams, environment, cancellation. */
export interface Io {
  stdout: TextOutput;
  stderr: TextOutput;
  stdin: NodeJS.ReadableStream & { destroy?(): void };
  env: NodeJS.ProcessEnv;
  /** Aborted on SIGINT or SIGTERM. */
  signal: AbortSignal;
  /** The name of the signal that aborted `signal` (`SIGINT`, `SIGTERM`), if one did. */
  interruptedBy(): string | undefined;
}
