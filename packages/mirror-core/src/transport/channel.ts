/** The git services a channel can talk to: fetching from (`git-upload-pack`) or pushing to (`git-receive-pack`). */
export type GitService = 'git-upload-pack' | 'git-receive-pack';

/** A request body: bytes, or a stream (a pack flowing from a source into a push) that is sent as it arrives. */
export type RequestBody = Uint8Array | AsyncIterable<Uint8Array>;

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
  /**
   * Sends one request body and returns the response bytes; a streamed body is still being sent while the response
   * is read, and a failure of the body's stream fails the response.
   */
  request(body: RequestBody, options: { protocolV2: boolean; signal?: AbortSignal }): Promise<AsyncIterable<Uint8Array>>;
  /** Releases a connection kept between calls (ssh); channels without one do not define it. */
  close?(): Promise<void>;
}
