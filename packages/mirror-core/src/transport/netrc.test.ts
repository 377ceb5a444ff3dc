import { describe, expect, it } from 'vitest';
import { findNetrcCredentials } from './netrc.js';

describe('findNetrcCredentials', () => {
  const netrc = `machine git.example.com login ada password first
# a comment-free file with several entries on many lines
machine 127.0.0.1
  login bob
  account ignored
  password second
default login anonymous password guest
`;

  it('finds the entry of the host, tokens spread over lines or not', () => {
    expect(findNetrcCredentials(netrc, 'git.example.com')).toEqual({ login: 'ada', password: 'first' });
    expect(findNetrcCredentials(netrc, '127.0.0.1')).toEqual({ login: 'bob', password: 'second' });
  });

  it('falls back to the default entry, or to nothing', () => {
    expect(findNetrcCredentials(netrc, 'other.example.com')).toEqual({ login: 'anonymous', password: 'guest' });
    expect(findNetrcCredentials('machine a login x password y', 'b')).toBeUndefined();
  });
});
