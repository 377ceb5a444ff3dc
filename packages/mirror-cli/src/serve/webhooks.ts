import { createHmac } from 'node:crypto';
import { constantTimeEqual } from './constant-time.js';
import { normalizeRepoUrl } from './repo-url.js';

/** The forges whose webhooks `serve` reads. */
export type Forge = 'github' | 'gitlab' | 'gitea';

/** A received request: header names lowercase, as node:http gives them; the raw body bytes. */
export interface WebhookRequest {
  headers: Readonly<Record<string, string | string[] | undefined>>;
  body: Uint8Array;
}

/** What a webhook request asks for, with the HTTP status `serve` answers it with. */
export type WebhookVerdict =
  /** HTTP 401: no secret configured, a missing or repeated authentication header, or a signature or token that does not match. */
  | { kind: 'unauthorized'; reason: string }
  /** HTTP 400: authentic, but without an event name, not a JSON object, or naming no repository URL. */
  | { kind: 'bad-request'; reason: string }
  /** HTTP 200: the forge checking that the hook works. */
  | { kind: 'ping' }
  /** HTTP 202 with no mirror: an authentic event that does not change refs. */
  | { kind: 'ignored'; event: string }
  /** A push, or a branch or tag created or deleted: the repository's URLs from the payload, normalised with {@link normalizeRepoUrl}, deduplicated. */
  | { kind: 'repository'; event: string; urls: string[] };

type Payload = Record<string, unknown>;

/** What an event name says before the payload is read; `payload-decides` is GitLab's System Hook, which carries every kind of event. */
type EventKind = 'ping' | 'ref-change' | 'other' | 'payload-decides';

/** How one forge authenticates its webhooks, names its events and spells the repository in its payloads. */
interface ForgeDialect {
  eventHeader: string;
  /** Why the request is not the forge's, or undefined when it is authentic. */
  rejection(request: WebhookRequest, secret: string): string | undefined;
  eventKind(event: string): EventKind;
  /** For `payload-decides` events: whether this payload reports changed refs. */
  changesRefs?(payload: Payload): boolean;
  /** Whether the body may be a form whose `payload` field holds the JSON. */
  acceptsFormBody: boolean;
  /** The payload's URL fields, unchecked: anything that is not a non-empty string is skipped. */
  repositoryUrls(payload: Payload): unknown[];
}

const FORM_MEDIA_TYPE = 'application/x-www-form-urlencoded';

const REF_CHANGING_EVENTS = new Set(['push', 'create', 'delete']);

const DIALECTS: Record<Forge, ForgeDialect> = {
  github: {
    eventHeader: 'x-github-event',
    rejection: (request, secret) => signatureRejection(request, secret, 'x-hub-signature-256', 'sha256='),
    eventKind: (event) => (event === 'ping' ? 'ping' : REF_CHANGING_EVENTS.has(event) ? 'ref-change' : 'other'),
    acceptsFormBody: true,
    repositoryUrls: (payload) => fieldsOf(payload.repository, ['clone_url', 'ssh_url', 'html_url', 'git_url']),
  },
  gitlab: {
    eventHeader: 'x-gitlab-event',
    rejection: gitlabTokenRejection,
    eventKind: (event) =>
      event === 'Push Hook' || event === 'Tag Push Hook' ? 'ref-change' : event === 'System Hook' ? 'payload-decides' : 'other',
    // A system hook's pushes: `push`/`tag_push` objects, and `repository_update`, sent for pushes of tags or of several branches.
    changesRefs: (payload) => payload.object_kind === 'push' || payload.object_kind === 'tag_push' || payload.event_name === 'repository_update',
    acceptsFormBody: false,
    repositoryUrls: (payload) => [
      ...fieldsOf(payload.project, ['git_http_url', 'git_ssh_url', 'web_url']),
      // The older spelling, which GitLab still sends next to `project`.
      ...fieldsOf(payload.repository, ['git_http_url', 'git_ssh_url', 'homepage', 'url']),
    ],
  },
  gitea: {
    eventHeader: 'x-gitea-event',
    rejection: giteaSignatureRejection,
    eventKind: (event) => (REF_CHANGING_EVENTS.has(event) ? 'ref-change' : 'other'),
    acceptsFormBody: false,
    repositoryUrls: (payload) => fieldsOf(payload.repository, ['clone_url', 'ssh_url', 'html_url']),
  },
};

/**
 * Checks a webhook's authenticity with `secret` and reads which repository changed.
 *
 * `secret` undefined or empty means none is configured: every request is then unauthorized. Authentication comes first,
 * so nothing of an unauthenticated body is parsed; reasons name headers and events, never the secret or a signature.
 */
export function readWebhook(forge: Forge, request: WebhookRequest, secret: string | undefined): WebhookVerdict {
  if (secret === undefined || secret === '') return { kind: 'unauthorized', reason: `no webhook secret is configured, so no ${forge} webhook can be authenticated` };
  const dialect = DIALECTS[forge];
  const rejection = dialect.rejection(request, secret);
  if (rejection !== undefined) return { kind: 'unauthorized', reason: rejection };

  const event = singleHeader(request.headers, dialect.eventHeader);
  if ('problem' in event) return { kind: 'bad-request', reason: event.problem };
  const kind = dialect.eventKind(event.value);
  if (kind === 'ping') return { kind: 'ping' };
  if (kind === 'other') return { kind: 'ignored', event: event.value };

  const payload = readPayload(request, dialect.acceptsFormBody);
  if ('problem' in payload) return { kind: 'bad-request', reason: payload.problem };
  if (kind === 'payload-decides' && !dialect.changesRefs?.(payload.value)) return { kind: 'ignored', event: event.value };
  const urls = normalizedUrls(dialect.repositoryUrls(payload.value));
  if (urls.length === 0) return { kind: 'bad-request', reason: `the ${event.value} payload names no repository URL` };
  return { kind: 'repository', event: event.value, urls };
}

type Read<T> = { value: T } | { problem: string };

function singleHeader(headers: WebhookRequest['headers'], name: string): Read<string> {
  const value = headers[name];
  if (value === undefined) return { problem: `missing ${name} header` };
  if (typeof value === 'string') return { value };
  return value.length === 1 ? { value: value[0] } : { problem: `${value.length === 0 ? 'missing' : 'more than one'} ${name} header` };
}

function signatureRejection(request: WebhookRequest, secret: string, header: string, prefix: string): string | undefined {
  const received = singleHeader(request.headers, header);
  if ('problem' in received) return received.problem;
  const expected = prefix + createHmac('sha256', secret).update(request.body).digest('hex');
  // Hex digits are case-insensitive; lowercasing the received value only spares a sender that writes them uppercase.
  return constantTimeEqual(received.value.trim().toLowerCase(), expected) ? undefined : `${header} does not match the body and the configured secret`;
}

function giteaSignatureRejection(request: WebhookRequest, secret: string): string | undefined {
  const rejection = signatureRejection(request, secret, 'x-gitea-signature', '');
  // Gitea signs the JSON it puts in a form's `payload` field, not the form body sent.
  if (rejection !== undefined && mediaType(request.headers) === FORM_MEDIA_TYPE) return `${rejection} (set the Gitea webhook's content type to application/json)`;
  return rejection;
}

function gitlabTokenRejection(request: WebhookRequest, secret: string): string | undefined {
  const received = singleHeader(request.headers, 'x-gitlab-token');
  if ('problem' in received) return received.problem;
  return constantTimeEqual(received.value, secret) ? undefined : 'x-gitlab-token does not match the configured secret';
}

function mediaType(headers: WebhookRequest['headers']): string {
  const contentType = singleHeader(headers, 'content-type');
  return 'value' in contentType ? contentType.value.split(';')[0].trim().toLowerCase() : '';
}

function readPayload(request: WebhookRequest, acceptsFormBody: boolean): Read<Payload> {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(request.body);
  } catch {
    return { problem: 'the body is not UTF-8 text' };
  }
  if (acceptsFormBody && mediaType(request.headers) === FORM_MEDIA_TYPE) {
    const field = new URLSearchParams(text).get('payload');
    if (field === null) return { problem: 'the form-encoded body has no payload field' };
    text = field;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { problem: 'the payload is not JSON' };
  }
  return isObject(parsed) ? { value: parsed } : { problem: 'the payload is not a JSON object' };
}

function isObject(value: unknown): value is Payload {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fieldsOf(value: unknown, names: readonly string[]): unknown[] {
  return isObject(value) ? names.map((name) => value[name]) : [];
}

function normalizedUrls(candidates: unknown[]): string[] {
  const urls = candidates.filter((url): url is string => typeof url === 'string' && url.trim() !== '').map(normalizeRepoUrl);
  return [...new Set(urls)];
}
