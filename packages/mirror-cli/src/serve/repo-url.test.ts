import { describe, expect, it } from 'vitest';
import { normalizeRepoUrl } from './repo-url.js';

describe('normalizeRepoUrl', () => {
  it('gives two spellings of the same https repository one form', () => {
    const expected = 'https://github.com/Org/Repo';
    expect(normalizeRepoUrl('https://GitHub.com/Org/Repo.git/')).toBe(expected);
    expect(normalizeRepoUrl('https://user:tok@github.com/Org/Repo')).toBe(expected);
  });

  it('gives scp-like and ssh:// spellings one form', () => {
    expect(normalizeRepoUrl('git@github.com:Org/Repo.git')).toBe(normalizeRepoUrl('ssh://git@github.com:22/Org/Repo'));
    expect(normalizeRepoUrl('git@github.com:Org/Repo.git')).toBe('ssh://git@github.com/Org/Repo');
  });

  it('lowercases the scheme and the host, not the path', () => {
    expect(normalizeRepoUrl('HTTPS://Git.Example.COM/Team/Project')).toBe('https://git.example.com/Team/Project');
    expect(normalizeRepoUrl('SSH://Git@Git.Example.COM/Team/Project')).toBe('ssh://Git@git.example.com/Team/Project');
  });

  it('drops the credentials of http(s) URLs', () => {
    expect(normalizeRepoUrl('https://x-access-token:ghs_abc@github.com/Org/Repo.git')).toBe('https://github.com/Org/Repo');
    expect(normalizeRepoUrl('http://alice@git.example.com/repo')).toBe('http://git.example.com/repo');
    // A password holding an @ still leaves the host after the last one.
    expect(normalizeRepoUrl('https://alice:p@ss@git.example.com/repo')).toBe('https://git.example.com/repo');
  });

  it('keeps the user of ssh URLs, without a password', () => {
    expect(normalizeRepoUrl('ssh://deploy@git.example.com/srv/repo.git')).toBe('ssh://deploy@git.example.com/srv/repo');
    expect(normalizeRepoUrl('ssh://deploy:secret@git.example.com/srv/repo')).toBe('ssh://deploy@git.example.com/srv/repo');
    expect(normalizeRepoUrl('ssh://git.example.com/srv/repo')).toBe('ssh://git.example.com/srv/repo');
  });

  it('rewrites scp-like user@host:path to ssh://user@host/path', () => {
    expect(normalizeRepoUrl('git@gitlab.com:group/sub/project.git')).toBe('ssh://git@gitlab.com/group/sub/project');
    expect(normalizeRepoUrl('Git.Example.com:repo')).toBe('ssh://git.example.com/repo');
    expect(normalizeRepoUrl('git@host:/srv/repo.git')).toBe('ssh://git@host/srv/repo');
    expect(normalizeRepoUrl('git@[::1]:repo')).toBe('ssh://git@[::1]/repo');
  });

  it('reads git+ssh:// and ssh+git:// as ssh://', () => {
    expect(normalizeRepoUrl('git+ssh://git@github.com/Org/Repo.git')).toBe('ssh://git@github.com/Org/Repo');
    expect(normalizeRepoUrl('ssh+git://git@github.com:22/Org/Repo')).toBe('ssh://git@github.com/Org/Repo');
  });

  it('drops default ports and keeps others', () => {
    expect(normalizeRepoUrl('https://github.com:443/Org/Repo')).toBe('https://github.com/Org/Repo');
    expect(normalizeRepoUrl('http://git.example.com:80/repo')).toBe('http://git.example.com/repo');
    expect(normalizeRepoUrl('ssh://git@git.example.com:22/repo')).toBe('ssh://git@git.example.com/repo');
    expect(normalizeRepoUrl('git://github.com:9418/Org/Repo.git')).toBe('git://github.com/Org/Repo');
    expect(normalizeRepoUrl('https://git.example.com:8443/repo')).toBe('https://git.example.com:8443/repo');
    expect(normalizeRepoUrl('http://git.example.com:443/repo')).toBe('http://git.example.com:443/repo');
    expect(normalizeRepoUrl('ssh://git@git.example.com:2222/repo')).toBe('ssh://git@git.example.com:2222/repo');
    expect(normalizeRepoUrl('ssh://git@[::1]:22/repo')).toBe('ssh://git@[::1]/repo');
  });

  it('strips trailing slashes, then one trailing .git', () => {
    expect(normalizeRepoUrl('https://github.com/Org/Repo///')).toBe('https://github.com/Org/Repo');
    expect(normalizeRepoUrl('https://github.com/Org/Repo.git.git')).toBe('https://github.com/Org/Repo.git');
    expect(normalizeRepoUrl('https://github.com/Org/Repo.GIT')).toBe('https://github.com/Org/Repo.GIT');
    expect(normalizeRepoUrl('https://github.com/')).toBe('https://github.com');
  });

  it('leaves local paths and file:// URLs alone apart from trailing slashes and .git', () => {
    expect(normalizeRepoUrl('/srv/Git/Repo.git/')).toBe('/srv/Git/Repo');
    expect(normalizeRepoUrl('./Relative/Repo')).toBe('./Relative/Repo');
    expect(normalizeRepoUrl('FILE:///srv/Git/Repo.git')).toBe('FILE:///srv/Git/Repo');
    expect(normalizeRepoUrl('file://user@Host/srv/repo')).toBe('file://user@Host/srv/repo');
    // A drive letter is no scp-like host, as in git.
    expect(normalizeRepoUrl('C:\\Repos\\Project.git')).toBe('C:\\Repos\\Project');
    expect(normalizeRepoUrl('C:/Repos/Project/')).toBe('C:/Repos/Project');
    expect(normalizeRepoUrl('/')).toBe('/');
  });

  it('returns odd input trimmed instead of throwing', () => {
    for (const odd of ['', '   ', 'https://', 'https://@/repo', 'ssh://[::1/repo', 'host:', '@:x', 'https://host:port/repo']) {
      expect(normalizeRepoUrl(`  ${odd}\n`)).toBe(odd.trim());
    }
    expect(normalizeRepoUrl('  https://GitHub.com/Org/Repo.git \n')).toBe('https://github.com/Org/Repo');
  });
});
