const DEFAULT_PORTS: Record<string, string> = { http: '80', https: '443', ssh: '22', git: '9418' };

/** git's other spellings of ssh://. */
const SSH_ALIASES = new Set(['ssh', 'git+ssh', 'ssh+git']);

const SCHEME_URL = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)(.*)$/is;

/** git's scp-like syntax: `[user@]host:path`, with the colon before the first slash. */
const SCP_LIKE = /^(?:([^@/]+)@)?(\[[^\]/]+\]|[^@/:[\]]+):(.*)$/s;

/**
 * The form of a repository URL two spellings of the same repository share, for matching webhook payloads to mirror sources.
 *
 * Lowercases scheme and host, drops the credentials of http(s) URLs (an ssh URL keeps its user), rewrites scp-like
 * `user@host:path` to `ssh://user@host/path`, drops default ports, then strips trailing slashes and one `.git`.
 * Local paths and `file://` URLs only lose the suffixes; input that is no URL comes back trimmed.
 */
export function normalizeRepoUrl(url: string): string {
  const trimmed = url.trim();
  const scheme = SCHEME_URL.exec(trimmed);
  if (scheme) {
    if (scheme[1].toLowerCase() === 'file') return stripRepoSuffixes(trimmed);
    return normalizeSchemeUrl(scheme[1], scheme[2], scheme[3]) ?? trimmed;
  }
  const scp = scpLikeParts(trimmed);
  if (scp) return normalizeSchemeUrl('ssh', scp.user ? `${scp.user}@${scp.host}` : scp.host, `/${scp.path.replace(/^\/+/, '')}`) ?? trimmed;
  return stripRepoSuffixes(trimmed);
}

function scpLikeParts(text: string): { user: string | undefined; host: string; path: string } | undefined {
  const match = SCP_LIKE.exec(text);
  // One letter before the colon is a Windows drive (C:\repo, C:/repo), as git reads it.
  if (!match || /^[a-z]$/i.test(match[2]) || match[3] === '') return undefined;
  return { user: match[1], host: match[2], path: match[3] };
}

function normalizeSchemeUrl(rawScheme: string, authority: string, rest: string): string | undefined {
  const lowered = rawScheme.toLowerCase();
  const scheme = SSH_ALIASES.has(lowered) ? 'ssh' : lowered;
  const at = authority.lastIndexOf('@');
  const hostAndPort = splitPort(authority.slice(at + 1));
  if (!hostAndPort) return undefined;
  const user = at < 0 || scheme === 'http' || scheme === 'https' ? '' : userWithoutPassword(authority.slice(0, at));
  const port = hostAndPort.port === '' || hostAndPort.port === DEFAULT_PORTS[scheme] ? '' : `:${hostAndPort.port}`;
  return stripRepoSuffixes(`${scheme}://${user ? `${user}@` : ''}${hostAndPort.host.toLowerCase()}${port}${rest}`);
}

function splitPort(hostPort: string): { host: string; port: string } | undefined {
  const match = /^(\[[^\]]*\]|[^:[\]]*)(?::(\d*))?$/.exec(hostPort);
  if (!match || match[1] === '' || match[1] === '[]') return undefined;
  return { host: match[1], port: match[2] ?? '' };
}

/** Passwords never belong in a form that is compared and may be logged. */
function userWithoutPassword(userInfo: string): string {
  const colon = userInfo.indexOf(':');
  return colon < 0 ? userInfo : userInfo.slice(0, colon);
}

function stripRepoSuffixes(text: string): string {
  // The lookbehinds keep a lone `/` or `.git` from becoming empty.
  return text.replace(/(?<=.)\/+$/s, '').replace(/(?<=.)\.git$/s, '');
}
