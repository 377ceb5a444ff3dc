import { InvalidUrlError } from '../errors.js';
import { redactUrl } from '../redact.js';
import { createHttpChannel, type HttpOptions } from './http-channel.js';
import { createLocalChannel, isLocalUrl, type LocalOptions } from './local-channel.js';
import type { SshOptions } from './ssh-channel.js';
import { isSshUrl } from './ssh-url.js';
import type { Transport } from './transport.js';
import { UploadPackClient, type UploadPackClientOptions } from './upload-pack-client.js';

/** Options of {@link openTransport}: protocol, HTTP and local settings in one bag. */
export interface TransportOptions extends UploadPackClientOptions, HttpOptions, LocalOptions {
  /** Keys, agent and known_hosts of ssh sources and targets. */
  ssh?: SshOptions;
}

/**
 * Opens the source at `url`: `http://` / `https://` (smart HTTP), ssh (`ssh://[user@]host[:port]/path` or
 * `[user@]host:path`) or a local repository (`file://` or a path, served by the installed `git upload-pack`).
 * The ssh channel (and ssh2 with it) is loaded only for an ssh URL.
 */
export async function openTransport(url: string, options: TransportOptions = {}): Promise<Transport> {
  if (/^https?:\/\//i.test(url)) return new UploadPackClient(await createHttpChannel(url, options), options);
  if (isSshUrl(url)) {
    const { createSshChannel } = await import('./ssh-channel.js');
    return new UploadPackClient(createSshChannel(url, options.ssh), options);
  }
  if (isLocalUrl(url)) return new UploadPackClient(createLocalChannel(url, options), options);
  throw new InvalidUrlError(`Unsupported source URL ${redactUrl(url)}: use http(s)://, ssh://, [user@]host:path, file:// or a path`);
}
