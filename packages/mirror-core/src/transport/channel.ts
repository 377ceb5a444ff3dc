/** The git services a channel can talk to: fetching from (`git-upload-pack`) or pushing to (`git-receive-pack`). */
export type GitService = 'git-upload-pack' | 'git-receive-pack';

/**
 * A stateless request/response channel to a git service, as smart HTTP and `git upload-pack --stateless-rpc`
 * provide: the ref advertisement, then one request body per command.
 */
export interface ServiceChannel {
  /** The endpoint, credentials redacted. */
  readonly url: string;
  /** Whether {@link advertise} output starts with the smart HTTP `# service=` prelude (v0/v1 over HTTP). */
  readonly smartHttp: boolean;
  /** The capability / ref advertisement; `protocolV2` asks the server for protocol version 2. */
  advertise(options: { protocolV2: boolean; signal?: AbortSignal }): Promise<AsyncIterable<Uint8Array>>;
  /** Sends one request body and returns the response bytes. */
  request(body: Uint8Array, options: { protocolV2: boolean; signal?: AbortSignal }): Promise<AsyncIterable<Uint8Array>>;
}
