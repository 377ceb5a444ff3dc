import { createHmac, timingSafeEqual } from 'node:crypto';

/** One line of a `known_hosts` file. */
export interface KnownHostLine {
  /** `@revoked` keys are refused; `@cert-authority` lines are not supported and never match. */
  marker?: 'revoked' | 'cert-authority';
  /** Comma-separated host patterns (`host`, `[host]:port`, `*`/`?` wildcards, `!` negation) or one hashed name `|1|salt|hash`. */
  hosts: string;
  /** Key type, e.g. `ssh-ed25519`. */
  keyType: string;
  /** The public key blob (base64-decoded), as the server sends it. */
  key: Buffer;
}

/** Parses `known_hosts` text; blank lines, comments and malformed lines are skipped, as OpenSSH does. */
export function parseKnownHosts(text: string): KnownHostLine[] {
  const lines: KnownHostLine[] = [];
  for (const raw of text.split('\n')) {
    const fields = raw.trim().split(/\s+/);
    if (fields[0] === '' || fields[0].startsWith('#')) continue;
    let marker: KnownHostLine['marker'];
    if (fields[0] === '@revoked' || fields[0] === '@cert-authority') marker = fields.shift()!.slice(1) as KnownHostLine['marker'];
    const [hosts, keyType, key] = fields;
    if (!hosts || !keyType || !key || !/^[A-Za-z0-9+/]+=*$/.test(key)) continue;
    lines.push({ marker, hosts, keyType, key: Buffer.from(key, 'base64') });
  }
  return lines;
}

/** The name known_hosts stores for a server: `host` on port 22, else `[host]:port`. */
export function knownHostName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** Whether a line's host field names `name` (see {@link knownHostName}). */
export function hostsFieldMatches(hosts: string, name: string): boolean {
  if (hosts.startsWith('|1|')) return hashedNameMatches(hosts, name);
  let matched = false;
  for (const pattern of hosts.split(',')) {
    const negated = pattern.startsWith('!');
    if (!globMatches(negated ? pattern.slice(1) : pattern, name.toLowerCase())) continue;
    if (negated) return false;
    matched = true;
  }
  return matched;
}

/** What the known_hosts lines say about a server's key. */
export type HostKeyVerdict = 'trusted' | 'revoked' | 'mismatch' | 'unknown';

/**
 * Checks the key a server presented against known_hosts lines: `trusted` when a line for the host holds this key,
 * `revoked` when the key is marked `@revoked`, `mismatch` when the host is known with other keys only, else `unknown`.
 */
export function verifyHostKey(lines: readonly KnownHostLine[], name: string, key: Uint8Array): HostKeyVerdict {
  let known = false;
  let trusted = false;
  for (const line of lines) {
    const sameKey = line.key.length === key.length && timingSafeEqual(line.key, key);
    if (line.marker === 'revoked') {
      if (sameKey) return 'revoked';
      continue;
    }
    if (line.marker || !hostsFieldMatches(line.hosts, name)) continue;
    known = true;
    trusted ||= sameKey;
  }
  return trusted ? 'trusted' : known ? 'mismatch' : 'unknown';
}

/** Key types known_hosts holds for a server, to offer those host key algorithms first. */
export function knownKeyTypes(lines: readonly KnownHostLine[], name: string): string[] {
  return [...new Set(lines.filter((line) => !line.marker && hostsFieldMatches(line.hosts, name)).map((line) => line.keyType))];
}

function hashedNameMatches(field: string, name: string): boolean {
  const [, , salt, hash] = field.split('|');
  if (!salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest();
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

function globMatches(pattern: string, name: string): boolean {
  const source = pattern.toLowerCase().replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source.replace(/[[\]]/g, '\\$&')}$`).test(name);
}
