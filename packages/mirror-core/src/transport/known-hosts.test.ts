import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serversRequired, suiteDir } from '@gitmirror/test-servers';
import { hostsFieldMatches, knownHostName, knownKeyTypes, parseKnownHosts, verifyHostKey } from './known-hosts.js';

const sshKeygen = spawnSync('ssh-keygen', ['-?']).error === undefined;
if (!sshKeygen && serversRequired()) throw new Error('GITMIRROR_REQUIRE_SERVERS=1 but ssh-keygen (openssh-client) is not installed');
const dir = suiteDir('mirror-known-hosts-');
afterAll(() => dir.remove());

/** A fresh ed25519 public key line (`type base64`) made by ssh-keygen. */
function newKey(name: string): { type: string; base64: string; blob: Buffer } {
  mkdirSync(dir.path, { recursive: true });
  const file = join(dir.path, name);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', file]);
  const [type, base64] = readFileSync(`${file}.pub`, 'utf8').split(' ');
  return { type, base64, blob: Buffer.from(base64, 'base64') };
}

describe.skipIf(!sshKeygen)(`known_hosts${sshKeygen ? '' : ' (skipped: ssh-keygen is not installed)'}`, () => {
  let server: ReturnType<typeof newKey>;
  let other: ReturnType<typeof newKey>;
  beforeAll(() => {
    server = newKey('server');
    other = newKey('other');
  });

  it('matches names, [host]:port, wildcards and negations', () => {
    expect(knownHostName('example.com', 22)).toBe('example.com');
    expect(knownHostName('127.0.0.1', 2222)).toBe('[127.0.0.1]:2222');
    expect(hostsFieldMatches('example.com,10.0.0.1', 'example.com')).toBe(true);
    expect(hostsFieldMatches('Example.COM', 'example.com')).toBe(true);
    expect(hostsFieldMatches('example.com', '[example.com]:2222')).toBe(false);
    expect(hostsFieldMatches('[127.0.0.1]:2222', '[127.0.0.1]:2222')).toBe(true);
    expect(hostsFieldMatches('*.example.com,!bad.example.com', 'git.example.com')).toBe(true);
    expect(hostsFieldMatches('*.example.com,!bad.example.com', 'bad.example.com')).toBe(false);
    expect(hostsFieldMatches('git?.example.com', 'git1.example.com')).toBe(true);
  });

  it('matches the hashed names ssh-keygen -H writes', () => {
    const file = join(dir.path, 'known_hosts');
    writeFileSync(file, `example.com ${server.type} ${server.base64}\n[127.0.0.1]:2222 ${server.type} ${server.base64}\n`);
    execFileSync('ssh-keygen', ['-q', '-H', '-f', file]);
    const lines = parseKnownHosts(readFileSync(file, 'utf8'));
    expect(lines.map((line) => line.hosts.startsWith('|1|'))).toEqual([true, true]);
    expect(verifyHostKey(lines, 'example.com', server.blob)).toBe('trusted');
    expect(verifyHostKey(lines, '[127.0.0.1]:2222', server.blob)).toBe('trusted');
    expect(verifyHostKey(lines, '127.0.0.1', server.blob)).toBe('unknown');
    expect(verifyHostKey(lines, 'example.com', other.blob)).toBe('mismatch');
  });

  it('skips comments and malformed lines, refuses revoked keys, ignores cert-authority lines', () => {
    const text = [
      '# comment',
      '',
      'broken-line',
      `@revoked * ${other.type} ${other.base64}`,
      `@cert-authority *.example.com ${server.type} ${server.base64}`,
      `git.example.com ${server.type} ${server.base64} comment`,
    ].join('\n');
    const lines = parseKnownHosts(text);
    expect(lines.map((line) => line.marker)).toEqual(['revoked', 'cert-authority', undefined]);
    expect(verifyHostKey(lines, 'git.example.com', server.blob)).toBe('trusted');
    expect(verifyHostKey(lines, 'git.example.com', other.blob)).toBe('revoked');
    expect(verifyHostKey(lines, 'www.example.com', server.blob)).toBe('unknown');
    expect(knownKeyTypes(lines, 'git.example.com')).toEqual(['ssh-ed25519']);
  });
});
