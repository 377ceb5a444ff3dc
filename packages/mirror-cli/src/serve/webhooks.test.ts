import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { readWebhook, type Forge, type WebhookRequest, type WebhookVerdict } from './webhooks.js';

const SECRET = 'webhook-secret-4f1c9a';

function bytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

function hmacHex(secret: string, body: string | Uint8Array): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

function request(headers: WebhookRequest['headers'], body: string | Uint8Array): WebhookRequest {
  return { headers, body: typeof body === 'string' ? bytes(body) : body };
}

/** A delivery as GitHub sends it: JSON body, signature over the body sent. */
function githubDelivery(event: string, body: string, secret = SECRET): WebhookRequest {
  return request(
    { 'content-type': 'application/json', 'x-github-event': event, 'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958', 'x-hub-signature-256': `sha256=${hmacHex(secret, body)}` },
    body,
  );
}

function gitlabDelivery(event: string, body: string, token = SECRET): WebhookRequest {
  return request({ 'content-type': 'application/json', 'x-gitlab-event': event, 'x-gitlab-token': token }, body);
}

function giteaDelivery(event: string, body: string, secret = SECRET): WebhookRequest {
  return request(
    { 'content-type': 'application/json', 'x-gitea-event': event, 'x-gitea-delivery': 'f6266f16-1bf3-46a5-9ea4-602e06ead473', 'x-gitea-signature': hmacHex(secret, body) },
    body,
  );
}

function withHeaders(original: WebhookRequest, changes: Record<string, string | string[] | undefined>): WebhookRequest {
  return { ...original, headers: { ...original.headers, ...changes } };
}

function expectUnauthorized(verdict: WebhookVerdict, reasonPattern: RegExp): void {
  expect(verdict).toEqual({ kind: 'unauthorized', reason: expect.stringMatching(reasonPattern) });
}

// Shaped as GitHub documents the push event (trimmed of commits' and users' details).
const GITHUB_REPOSITORY = {
  id: 1296269,
  node_id: 'MDEwOlJlcG9zaXRvcnkxMjk2MjY5',
  name: 'Hello-World',
  full_name: 'Octo-Org/Hello-World',
  private: false,
  owner: { login: 'Octo-Org', id: 1, type: 'Organization' },
  html_url: 'https://github.com/Octo-Org/Hello-World',
  url: 'https://api.github.com/repos/Octo-Org/Hello-World',
  git_url: 'git://github.com/Octo-Org/Hello-World.git',
  ssh_url: 'git@github.com:Octo-Org/Hello-World.git',
  clone_url: 'https://github.com/Octo-Org/Hello-World.git',
  svn_url: 'https://github.com/Octo-Org/Hello-World',
  default_branch: 'main',
};
const GITHUB_URLS = ['https://github.com/Octo-Org/Hello-World', 'ssh://git@github.com/Octo-Org/Hello-World', 'git://github.com/Octo-Org/Hello-World'];

const GITHUB_PUSH = JSON.stringify({
  ref: 'refs/heads/main',
  before: '6113728f27ae82c7b1a177c8d03f9e96e0adf246',
  after: '0000000000000000000000000000000000000001',
  created: false,
  deleted: false,
  forced: false,
  compare: 'https://github.com/Octo-Org/Hello-World/compare/6113728f27ae...000000000001',
  commits: [{ id: '0000000000000000000000000000000000000001', message: 'Update README.md', distinct: true }],
  repository: GITHUB_REPOSITORY,
  pusher: { name: 'octocat', email: 'octocat@github.com' },
  sender: { login: 'octocat', id: 583231, type: 'User' },
});

const GITHUB_PING = JSON.stringify({
  zen: 'Design for failure.',
  hook_id: 109948940,
  hook: { type: 'Repository', id: 109948940, name: 'web', active: true, events: ['push'], config: { content_type: 'json', insecure_ssl: '0', url: 'https://mirror.example.com/hooks/github' } },
  repository: GITHUB_REPOSITORY,
  sender: { login: 'octocat', id: 583231, type: 'User' },
});

describe('readWebhook from GitHub', () => {
  it('reads a signed push as its repository, with the normalised URLs once each', () => {
    expect(readWebhook('github', githubDelivery('push', GITHUB_PUSH), SECRET)).toEqual({ kind: 'repository', event: 'push', urls: GITHUB_URLS });
  });

  it('reads create and delete (a branch or tag) as their repository', () => {
    const create = JSON.stringify({ ref: 'v1.0.0', ref_type: 'tag', master_branch: 'main', pusher_type: 'user', repository: GITHUB_REPOSITORY });
    const remove = JSON.stringify({ ref: 'feature', ref_type: 'branch', pusher_type: 'user', repository: GITHUB_REPOSITORY });
    expect(readWebhook('github', githubDelivery('create', create), SECRET)).toEqual({ kind: 'repository', event: 'create', urls: GITHUB_URLS });
    expect(readWebhook('github', githubDelivery('delete', remove), SECRET)).toEqual({ kind: 'repository', event: 'delete', urls: GITHUB_URLS });
  });

  it('answers a signed ping as a ping', () => {
    expect(readWebhook('github', githubDelivery('ping', GITHUB_PING), SECRET)).toEqual({ kind: 'ping' });
  });

  it('ignores authentic events that change no refs, without reading their body', () => {
    expect(readWebhook('github', githubDelivery('issues', JSON.stringify({ action: 'opened', repository: GITHUB_REPOSITORY })), SECRET)).toEqual({
      kind: 'ignored',
      event: 'issues',
    });
    expect(readWebhook('github', githubDelivery('star', 'not json'), SECRET)).toEqual({ kind: 'ignored', event: 'star' });
  });

  it("verifies GitHub's documented test values", () => {
    const delivery = request(
      { 'x-github-event': 'ping', 'x-hub-signature-256': 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17' },
      'Hello, World!',
    );
    expect(readWebhook('github', delivery, "It's a Secret to Everybody")).toEqual({ kind: 'ping' });
    expectUnauthorized(readWebhook('github', delivery, "It's a secret to everybody"), /x-hub-signature-256/);
  });

  it('checks the signature over the bytes as received, not a re-serialisation', () => {
    const prettyWithUnicode = JSON.stringify(JSON.parse(GITHUB_PUSH.replace('Update README.md', 'Mise à jour ✓')), null, 2);
    expect(readWebhook('github', githubDelivery('push', prettyWithUnicode), SECRET)).toEqual({ kind: 'repository', event: 'push', urls: GITHUB_URLS });
    const signedCompact = githubDelivery('push', JSON.stringify(JSON.parse(prettyWithUnicode)));
    expectUnauthorized(readWebhook('github', { ...signedCompact, body: bytes(prettyWithUnicode) }, SECRET), /does not match/);
  });

  it('reads a form-encoded body, whose payload field holds the JSON, signed as sent', () => {
    const form = new URLSearchParams({ payload: GITHUB_PUSH }).toString();
    const delivery = withHeaders(githubDelivery('push', form), { 'content-type': 'application/x-www-form-urlencoded' });
    expect(readWebhook('github', delivery, SECRET)).toEqual({ kind: 'repository', event: 'push', urls: GITHUB_URLS });
    // A signature over the JSON inside is not one over the body GitHub sent.
    expectUnauthorized(readWebhook('github', withHeaders(delivery, { 'x-hub-signature-256': `sha256=${hmacHex(SECRET, GITHUB_PUSH)}` }), SECRET), /does not match/);
  });

  it('refuses a form-encoded body without a payload field, or whose payload is not JSON', () => {
    const noPayload = withHeaders(githubDelivery('push', 'data=%7B%7D'), { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' });
    expect(readWebhook('github', noPayload, SECRET)).toEqual({ kind: 'bad-request', reason: expect.stringMatching(/payload field/) });
    const notJson = withHeaders(githubDelivery('push', 'payload=%7Bnope'), { 'content-type': 'application/x-www-form-urlencoded' });
    expect(readWebhook('github', notJson, SECRET)).toEqual({ kind: 'bad-request', reason: expect.stringMatching(/not JSON/) });
  });

  it('refuses a signature made with another secret', () => {
    expectUnauthorized(readWebhook('github', githubDelivery('push', GITHUB_PUSH, 'another-secret'), SECRET), /x-hub-signature-256 does not match/);
  });

  it('refuses a body altered after signing', () => {
    const delivery = githubDelivery('push', GITHUB_PUSH);
    const altered = bytes(GITHUB_PUSH.replace('Octo-Org/Hello-World.git', 'Evil-Org/Hello-World.git'));
    expectUnauthorized(readWebhook('github', { ...delivery, body: altered }, SECRET), /does not match/);
  });

  it('refuses a missing, repeated, truncated or unprefixed signature header', () => {
    const delivery = githubDelivery('push', GITHUB_PUSH);
    const signature = delivery.headers['x-hub-signature-256'] as string;
    expectUnauthorized(readWebhook('github', withHeaders(delivery, { 'x-hub-signature-256': undefined }), SECRET), /^missing x-hub-signature-256 header$/);
    expectUnauthorized(readWebhook('github', withHeaders(delivery, { 'x-hub-signature-256': [signature, signature] }), SECRET), /more than one x-hub-signature-256/);
    expectUnauthorized(readWebhook('github', withHeaders(delivery, { 'x-hub-signature-256': signature.slice(0, -1) }), SECRET), /does not match/);
    expectUnauthorized(readWebhook('github', withHeaders(delivery, { 'x-hub-signature-256': signature.slice('sha256='.length) }), SECRET), /does not match/);
    // The older SHA-1 header alone is not enough.
    const sha1Only = withHeaders(delivery, { 'x-hub-signature-256': undefined, 'x-hub-signature': `sha1=${createHmac('sha1', SECRET).update(GITHUB_PUSH).digest('hex')}` });
    expectUnauthorized(readWebhook('github', sha1Only, SECRET), /missing x-hub-signature-256/);
  });

  it('accepts the signature header as a one-element array and in uppercase hex', () => {
    const delivery = githubDelivery('push', GITHUB_PUSH);
    const signature = delivery.headers['x-hub-signature-256'] as string;
    expect(readWebhook('github', withHeaders(delivery, { 'x-hub-signature-256': [signature] }), SECRET).kind).toBe('repository');
    expect(readWebhook('github', withHeaders(delivery, { 'x-hub-signature-256': `sha256=${signature.slice(7).toUpperCase()}` }), SECRET).kind).toBe('repository');
  });

  it('refuses every request when no secret is configured', () => {
    expectUnauthorized(readWebhook('github', githubDelivery('push', GITHUB_PUSH), undefined), /no webhook secret is configured/);
    // Signed with the empty key, which would otherwise verify.
    expectUnauthorized(readWebhook('github', githubDelivery('ping', GITHUB_PING, ''), ''), /no webhook secret is configured/);
  });

  it('authenticates before parsing: an unsigned body that is no JSON is unauthorized, a signed one a bad request', () => {
    const unsigned = withHeaders(githubDelivery('push', '{"repository":'), { 'x-hub-signature-256': 'sha256=00' });
    expectUnauthorized(readWebhook('github', unsigned, SECRET), /does not match/);
    expect(readWebhook('github', githubDelivery('push', '{"repository":'), SECRET)).toEqual({ kind: 'bad-request', reason: 'the payload is not JSON' });
  });

  it('refuses authentic bodies that are not UTF-8, not a JSON object or name no repository URL', () => {
    const latin1 = Uint8Array.from([0x7b, 0x22, 0xe9, 0x22, 0x3a, 0x31, 0x7d]);
    const signedLatin1 = request({ 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${hmacHex(SECRET, latin1)}` }, latin1);
    expect(readWebhook('github', signedLatin1, SECRET)).toEqual({ kind: 'bad-request', reason: 'the body is not UTF-8 text' });
    expect(readWebhook('github', githubDelivery('push', '[1, 2]'), SECRET)).toEqual({ kind: 'bad-request', reason: 'the payload is not a JSON object' });
    const noRepository = JSON.stringify({ ref: 'refs/heads/main', repository: { name: 'Hello-World', clone_url: '', ssh_url: null } });
    expect(readWebhook('github', githubDelivery('push', noRepository), SECRET)).toEqual({ kind: 'bad-request', reason: 'the push payload names no repository URL' });
  });

  it('refuses an authentic request without an event name', () => {
    const delivery = withHeaders(githubDelivery('push', GITHUB_PUSH), { 'x-github-event': undefined });
    expect(readWebhook('github', delivery, SECRET)).toEqual({ kind: 'bad-request', reason: 'missing x-github-event header' });
  });
});

// Shaped as GitLab documents the push event (the deprecated `repository` object included).
const GITLAB_PROJECT = {
  id: 15,
  name: 'Diaspora',
  description: '',
  web_url: 'http://example.com/mike/diaspora',
  avatar_url: null,
  git_ssh_url: 'git@example.com:mike/diaspora.git',
  git_http_url: 'http://example.com/mike/diaspora.git',
  namespace: 'Mike',
  visibility_level: 0,
  path_with_namespace: 'mike/diaspora',
  default_branch: 'master',
  homepage: 'http://example.com/mike/diaspora',
  url: 'git@example.com:mike/diaspora.git',
  ssh_url: 'git@example.com:mike/diaspora.git',
  http_url: 'http://example.com/mike/diaspora.git',
};
const GITLAB_REPOSITORY = {
  name: 'Diaspora',
  url: 'git@example.com:mike/diaspora.git',
  description: '',
  homepage: 'http://example.com/mike/diaspora',
  git_http_url: 'http://example.com/mike/diaspora.git',
  git_ssh_url: 'git@example.com:mike/diaspora.git',
  visibility_level: 0,
};
const GITLAB_URLS = ['http://example.com/mike/diaspora', 'ssh://git@example.com/mike/diaspora'];

function gitlabPush(objectKind: 'push' | 'tag_push', ref: string): string {
  return JSON.stringify({
    object_kind: objectKind,
    event_name: objectKind,
    before: '95790bf891e76fee5e1747ab589903a6a1f80f22',
    after: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7',
    ref,
    ref_protected: true,
    checkout_sha: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7',
    user_id: 4,
    user_name: 'John Smith',
    user_username: 'jsmith',
    user_email: 'john@example.com',
    project_id: 15,
    project: GITLAB_PROJECT,
    repository: GITLAB_REPOSITORY,
    commits: [],
    total_commits_count: 0,
  });
}

describe('readWebhook from GitLab', () => {
  it('reads a push with the right token as its repository, from project and repository URLs', () => {
    expect(readWebhook('gitlab', gitlabDelivery('Push Hook', gitlabPush('push', 'refs/heads/master')), SECRET)).toEqual({
      kind: 'repository',
      event: 'Push Hook',
      urls: GITLAB_URLS,
    });
  });

  it('reads a tag push as its repository', () => {
    expect(readWebhook('gitlab', gitlabDelivery('Tag Push Hook', gitlabPush('tag_push', 'refs/tags/v1.0.0')), SECRET)).toEqual({
      kind: 'repository',
      event: 'Tag Push Hook',
      urls: GITLAB_URLS,
    });
  });

  it('reads the URLs of the project object and of the older repository object, each alone', () => {
    const projectOnly = JSON.stringify({ object_kind: 'push', project: { ...GITLAB_PROJECT, git_ssh_url: 'ssh://git@example.com:2222/mike/diaspora.git' } });
    expect(readWebhook('gitlab', gitlabDelivery('Push Hook', projectOnly), SECRET)).toEqual({
      kind: 'repository',
      event: 'Push Hook',
      urls: ['http://example.com/mike/diaspora', 'ssh://git@example.com:2222/mike/diaspora'],
    });
    const repositoryOnly = JSON.stringify({ object_kind: 'push', repository: { ...GITLAB_REPOSITORY, homepage: 'https://example.com/mike/diaspora' } });
    expect(readWebhook('gitlab', gitlabDelivery('Push Hook', repositoryOnly), SECRET)).toEqual({
      kind: 'repository',
      event: 'Push Hook',
      urls: ['http://example.com/mike/diaspora', 'ssh://git@example.com/mike/diaspora', 'https://example.com/mike/diaspora'],
    });
  });

  it('reads a system hook by its payload: pushes, tag pushes and repository updates are repositories, the rest ignored', () => {
    expect(readWebhook('gitlab', gitlabDelivery('System Hook', gitlabPush('push', 'refs/heads/master')), SECRET)).toEqual({
      kind: 'repository',
      event: 'System Hook',
      urls: GITLAB_URLS,
    });
    expect(readWebhook('gitlab', gitlabDelivery('System Hook', gitlabPush('tag_push', 'refs/tags/v1.0.0')), SECRET).kind).toBe('repository');
    // GitLab's repository_update system event (pushes of tags or of several branches) carries the project too.
    const repositoryUpdate = JSON.stringify({ event_name: 'repository_update', user_id: 1, project_id: 1, project: GITLAB_PROJECT, changes: [], refs: ['refs/heads/master'] });
    expect(readWebhook('gitlab', gitlabDelivery('System Hook', repositoryUpdate), SECRET)).toMatchObject({ kind: 'repository', event: 'System Hook' });
    const projectCreate = JSON.stringify({ event_name: 'project_create', name: 'StoreCloud', path_with_namespace: 'jsmith/storecloud', project_id: 74 });
    expect(readWebhook('gitlab', gitlabDelivery('System Hook', projectCreate), SECRET)).toEqual({ kind: 'ignored', event: 'System Hook' });
    expect(readWebhook('gitlab', gitlabDelivery('System Hook', 'not json'), SECRET)).toEqual({ kind: 'bad-request', reason: 'the payload is not JSON' });
  });

  it('ignores authentic events that change no refs', () => {
    const mergeRequest = JSON.stringify({ object_kind: 'merge_request', project: GITLAB_PROJECT, repository: GITLAB_REPOSITORY });
    expect(readWebhook('gitlab', gitlabDelivery('Merge Request Hook', mergeRequest), SECRET)).toEqual({ kind: 'ignored', event: 'Merge Request Hook' });
    // Event names are GitLab's as sent, compared exactly.
    expect(readWebhook('gitlab', gitlabDelivery('push hook', gitlabPush('push', 'refs/heads/master')), SECRET)).toEqual({ kind: 'ignored', event: 'push hook' });
  });

  it('refuses a wrong, missing, padded or prefix token, and every request when no secret is configured', () => {
    const body = gitlabPush('push', 'refs/heads/master');
    expectUnauthorized(readWebhook('gitlab', gitlabDelivery('Push Hook', body, 'another-secret'), SECRET), /^x-gitlab-token does not match the configured secret$/);
    expectUnauthorized(readWebhook('gitlab', gitlabDelivery('Push Hook', body, `${SECRET} `), SECRET), /x-gitlab-token does not match/);
    expectUnauthorized(readWebhook('gitlab', gitlabDelivery('Push Hook', body, SECRET.slice(0, -1)), SECRET), /x-gitlab-token does not match/);
    expectUnauthorized(readWebhook('gitlab', withHeaders(gitlabDelivery('Push Hook', body), { 'x-gitlab-token': undefined }), SECRET), /^missing x-gitlab-token header$/);
    expectUnauthorized(readWebhook('gitlab', gitlabDelivery('Push Hook', body), undefined), /no webhook secret is configured/);
    expectUnauthorized(readWebhook('gitlab', gitlabDelivery('Push Hook', body, ''), ''), /no webhook secret is configured/);
  });

  it('refuses an authentic body that is not JSON or names no repository URL', () => {
    expect(readWebhook('gitlab', gitlabDelivery('Push Hook', '<html>'), SECRET)).toEqual({ kind: 'bad-request', reason: 'the payload is not JSON' });
    expect(readWebhook('gitlab', gitlabDelivery('Push Hook', JSON.stringify({ object_kind: 'push', project_id: 15 })), SECRET)).toEqual({
      kind: 'bad-request',
      reason: 'the Push Hook payload names no repository URL',
    });
  });
});

// Shaped as Gitea documents the push event (its deprecated `secret` field included).
const GITEA_REPOSITORY = {
  id: 140,
  owner: { id: 1, login: 'gitea', full_name: 'Gitea', email: 'someone@gitea.io', username: 'gitea' },
  name: 'webhooks',
  full_name: 'gitea/webhooks',
  description: '',
  private: false,
  fork: false,
  html_url: 'http://localhost:3000/gitea/webhooks',
  ssh_url: 'ssh://gitea@localhost:2222/gitea/webhooks.git',
  clone_url: 'http://localhost:3000/gitea/webhooks.git',
  website: '',
  default_branch: 'master',
};
const GITEA_URLS = ['http://localhost:3000/gitea/webhooks', 'ssh://gitea@localhost:2222/gitea/webhooks'];

const GITEA_PUSH = JSON.stringify({
  secret: '3gEsCfjlV2ugRwgpU#w1*WaW*wa4NXgGmpCfkbG3',
  ref: 'refs/heads/develop',
  before: '28e1879d029cb852e4844d9c718537df08844e03',
  after: 'bffeb74224043ba2feb48d137756c8a9331c449a',
  compare_url: 'http://localhost:3000/gitea/webhooks/compare/28e1879d029cb852e4844d9c718537df08844e03...bffeb74224043ba2feb48d137756c8a9331c449a',
  commits: [{ id: 'bffeb74224043ba2feb48d137756c8a9331c449a', message: 'Webhooks Yay!', url: 'http://localhost:3000/gitea/webhooks/commit/bffeb74224043ba2feb48d137756c8a9331c449a' }],
  repository: GITEA_REPOSITORY,
  pusher: { id: 1, login: 'gitea', username: 'gitea' },
  sender: { id: 1, login: 'gitea', username: 'gitea' },
});

describe('readWebhook from Gitea', () => {
  it('reads a signed push as its repository, with the normalised URLs once each', () => {
    expect(readWebhook('gitea', giteaDelivery('push', GITEA_PUSH), SECRET)).toEqual({ kind: 'repository', event: 'push', urls: GITEA_URLS });
  });

  it('reads create and delete as their repository, and ignores other events', () => {
    const create = JSON.stringify({ sha: 'bffeb74224043ba2feb48d137756c8a9331c449a', ref: 'v1.0', ref_type: 'tag', repository: GITEA_REPOSITORY });
    expect(readWebhook('gitea', giteaDelivery('create', create), SECRET)).toEqual({ kind: 'repository', event: 'create', urls: GITEA_URLS });
    expect(readWebhook('gitea', giteaDelivery('delete', create), SECRET)).toEqual({ kind: 'repository', event: 'delete', urls: GITEA_URLS });
    const issue = JSON.stringify({ action: 'opened', number: 1, repository: GITEA_REPOSITORY });
    expect(readWebhook('gitea', giteaDelivery('issues', issue), SECRET)).toEqual({ kind: 'ignored', event: 'issues' });
  });

  it('refuses a wrong, missing or sha256=-prefixed signature, and every request when no secret is configured', () => {
    const delivery = giteaDelivery('push', GITEA_PUSH);
    const signature = delivery.headers['x-gitea-signature'] as string;
    expectUnauthorized(readWebhook('gitea', giteaDelivery('push', GITEA_PUSH, 'another-secret'), SECRET), /^x-gitea-signature does not match the body and the configured secret$/);
    expectUnauthorized(readWebhook('gitea', withHeaders(delivery, { 'x-gitea-signature': undefined }), SECRET), /^missing x-gitea-signature header$/);
    expectUnauthorized(readWebhook('gitea', withHeaders(delivery, { 'x-gitea-signature': `sha256=${signature}` }), SECRET), /x-gitea-signature does not match/);
    // Gitea also sends GitHub's header, but its own is the one read.
    const githubStyleOnly = withHeaders(delivery, { 'x-gitea-signature': undefined, 'x-hub-signature-256': `sha256=${signature}` });
    expectUnauthorized(readWebhook('gitea', githubStyleOnly, SECRET), /missing x-gitea-signature/);
    expectUnauthorized(readWebhook('gitea', delivery, undefined), /no webhook secret is configured/);
  });

  it('refuses a body altered after signing', () => {
    const delivery = giteaDelivery('push', GITEA_PUSH);
    expectUnauthorized(readWebhook('gitea', { ...delivery, body: bytes(GITEA_PUSH.replace('refs/heads/develop', 'refs/heads/master')) }, SECRET), /does not match/);
  });

  it('says how to fix a form-encoded delivery, whose signature covers the JSON inside only', () => {
    const form = new URLSearchParams({ payload: GITEA_PUSH }).toString();
    const delivery = request({ 'content-type': 'application/x-www-form-urlencoded', 'x-gitea-event': 'push', 'x-gitea-signature': hmacHex(SECRET, GITEA_PUSH) }, form);
    expectUnauthorized(readWebhook('gitea', delivery, SECRET), /does not match .*content type to application\/json/);
  });

  it('refuses an authentic body that is not JSON or names no repository URL', () => {
    expect(readWebhook('gitea', giteaDelivery('push', 'payload=%7B%7D'), SECRET)).toEqual({ kind: 'bad-request', reason: 'the payload is not JSON' });
    expect(readWebhook('gitea', giteaDelivery('push', JSON.stringify({ ref: 'refs/heads/develop', repository: 'gitea/webhooks' })), SECRET)).toEqual({
      kind: 'bad-request',
      reason: 'the push payload names no repository URL',
    });
  });
});

describe('readWebhook reasons', () => {
  it('never hold the secret or a signature', () => {
    const githubSignature = (githubDelivery('push', GITHUB_PUSH).headers['x-hub-signature-256'] as string).slice('sha256='.length);
    const giteaSignature = giteaDelivery('push', GITEA_PUSH).headers['x-gitea-signature'] as string;
    const wrongKey = 'wrong-secret-77';
    const refusals: Array<[Forge, WebhookRequest]> = [
      ['github', githubDelivery('push', GITHUB_PUSH, wrongKey)],
      ['github', { ...githubDelivery('push', GITHUB_PUSH), body: bytes(`${GITHUB_PUSH} `) }],
      ['gitlab', gitlabDelivery('Push Hook', gitlabPush('push', 'refs/heads/master'), wrongKey)],
      ['gitea', giteaDelivery('push', GITEA_PUSH, wrongKey)],
      ['gitea', { ...giteaDelivery('push', GITEA_PUSH), body: bytes(`${GITEA_PUSH} `) }],
    ];
    for (const [forge, delivery] of refusals) {
      const verdict = readWebhook(forge, delivery, SECRET);
      expect(verdict.kind).toBe('unauthorized');
      const reason = 'reason' in verdict ? verdict.reason : '';
      for (const hidden of [SECRET, wrongKey, githubSignature, giteaSignature, hmacHex(wrongKey, GITHUB_PUSH), hmacHex(wrongKey, GITEA_PUSH)]) {
        expect(reason).not.toContain(hidden);
      }
    }
  });
});
