import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** A login found in a `.netrc` file. */
export interface NetrcCredentials {
  login: string;
  password: string;
}

/**
 * Parses `.netrc` text (`machine`, `default`, `login`, `password`; `account` and `macdef` are skipped) and returns
 * the credentials for `host`, falling back to the `default` entry.
 */
export function findNetrcCredentials(text: string, host: string): NetrcCredentials | undefined {
  const tokens = text.split(/\s+/).filter((token) => token !== '');
  let current: { machine?: string; login?: string; password?: string } | undefined;
  let fallback: typeof current;
  const entries: (typeof current)[] = [];
  for (let index = 0; index < tokens.length; index++) {
    const token = tokens[index];
    if (token === 'machine' || token === 'default') {
      current = token === 'machine' ? { machine: tokens[++index] } : {};
      if (token === 'default') fallback = current;
      else entries.push(current);
    } else if (current && (token === 'login' || token === 'password' || token === 'account')) {
      const value = tokens[++index];
      if (token !== 'account') current[token] = value;
    } else if (token === 'macdef') {
      break;
    }
  }
  const entry = entries.find((candidate) => candidate?.machine === host) ?? fallback;
  if (entry?.login === undefined || entry.password === undefined) return undefined;
  return { login: entry.login, password: entry.password };
}

/** Reads credentials for `host` from `file` (default `~/.netrc`); a missing file yields none. */
export async function readNetrcCredentials(host: string, file = join(homedir(), '.netrc')): Promise<NetrcCredentials | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return findNetrcCredentials(text, host);
}
