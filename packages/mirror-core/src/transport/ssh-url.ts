import { InvalidUrlError } from '../errors.js';
import { redactUrl } from '../redact.js';
import { decodeUrlPart } from './decode-url-part.js';

/** Where an ssh URL points: the login, the server and the repository path as the remote shell receives it. */
export interface SshLocation {
  /** Login name; `undefined` when the URL names none (the local user name is used, as `ssh` does). */
  user?: string;
  host: string;
  port: number;
  /** Repository path passed to `git-upload-pack` / `git-receive-pack`; relative paths are relative to the home folder. */
  path: string;
}

const SSH_SCHEME = /^(?:ssh|git\+ssh|ssh\+git):\/\//i;
const SCP_LIKE = /^(?:([^@/]+)@)?(\[[^\]]+\]|[^:/[\]]+):(.*)$/s;

/** Whether `url` is an ssh URL: `ssh://[user@]host[:port]/path` (also `git+ssh://`) or scp-like `[user@]host:path`. */
export function isSshUrl(url: string): boolean {
  if (SSH_SCHEME.test(url)) return true;
  return !/^[a-z][a-z0-9+.-]*:\/\//i.test(url) && !url.startsWith('/') && SCP_LIKE.test(url) && !/^[^:]*\//.test(url);
}

/**
 * Parses an ssh URL as git does: in `ssh://host/~user/path` the leading `/` before `~` is dropped; scp-like paths are
 * taken as written (`host:repo.git` is relative to the login's home folder).
 */
export function parseSshUrl(url: string): SshLocation {
  if (SSH_SCHEME.test(url)) {
    let parsed: URL;
    try {
      parsed = new URL(url.replace(SSH_SCHEME, 'ssh://'));
    } catch {
      throw new InvalidUrlError(`Invalid ssh URL ${redactUrl(url)}`);
    }
    const path = decodeUrlPart(parsed.pathname, url);
    if (!parsed.hostname || path === '' || path === '/') throw new InvalidUrlError(`The ssh URL ${redactUrl(url)} names no host or no repository path`);
    return {
      user: parsed.username ? decodeUrlPart(parsed.username, url) : undefined,
      host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: parsed.port ? Number(parsed.port) : 22,
      path: path.startsWith('/~') ? path.slice(1) : path,
    };
  }
  const match = isSshUrl(url) ? SCP_LIKE.exec(url) : null;
  if (!match || match[3] === '') throw new InvalidUrlError(`Invalid ssh URL ${url}: use ssh://[user@]host[:port]/path or [user@]host:path`);
  return { user: match[1], host: match[2].replace(/^\[(.*)\]$/, '$1'), port: 22, path: match[3] };
}

/** The remote command git runs over ssh, e.g. `git-receive-pack '/srv/repo.git'` (path quoted as git's `sq_quote`). */
export function remoteCommand(service: string, path: string): string {
  return `${service} '${path.replace(/['!]/g, (char) => `'\\${char}'`)}'`;
}
