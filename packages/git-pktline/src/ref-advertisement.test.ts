import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DELIM_PKT, FLUSH_PKT } from './constants.js';
import { encodePacket } from './encode.js';
import { PktLineError, RemoteError } from './errors.js';
import { PktLineReader } from './reader.js';
import { parseRefAdvertisement, type ParseRefAdvertisementOptions } from './ref-advertisement.js';
import { chunksOf, concat, splitAt } from './test-support/bytes.js';
import {
  createSampleRepo,
  createSandbox,
  httpBackendInfoRefs,
  listRefs,
  type ExpectedRef,
  type Sandbox,
} from './test-support/git.js';

let sandbox: Sandbox;
let repo: string;
let expectedRefs: ExpectedRef[];
let gitAgent: string;

beforeAll(async () => {
  sandbox = await createSandbox();
  repo = await createSampleRepo(sandbox);
  expectedRefs = await listRefs(sandbox, repo);
  gitAgent = `git/${(await sandbox.gitText(['version'])).trim().replace('git version ', '')}`;
});

afterAll(() => sandbox.remove());

const advertiseRefs = (command: 'upload-pack' | 'receive-pack', path: string, protocol?: string) =>
  sandbox.git([command, '--advertise-refs', '--stateless-rpc', path], protocol ? { env: { GIT_PROTOCOL: protocol } } : {});

/** receive-pack advertises neither HEAD nor peeled tags. */
function receivePackRefs(): ExpectedRef[] {
  return expectedRefs.filter((ref) => ref.name !== 'HEAD').map(({ name, oid }) => ({ name, oid }));
}

function parse(bytes: Uint8Array, options?: ParseRefAdvertisementOptions) {
  return parseRefAdvertisement(new PktLineReader(chunksOf([bytes])), options);
}

async function parseFully(bytes: Uint8Array, options?: ParseRefAdvertisementOptions) {
  const reader = new PktLineReader(chunksOf(splitAt(bytes, [1, 7, 60])));
  const advertisement = await parseRefAdvertisement(reader, options);
  expect(reader.offset).toBe(bytes.length);
  expect(await reader.read()).toBeNull();
  return advertisement;
}

describe('parseRefAdvertisement on real git output', () => {
  it('parses a v0 upload-pack advertisement: refs, peeled tags, symref HEAD, capabilities', async () => {
    const advertisement = await parseFully(await advertiseRefs('upload-pack', repo));
    expect(advertisement.version).toBe(0);
    expect(advertisement.refs).toEqual(expectedRefs);
    expect(advertisement.refs.filter((ref) => ref.peeled).length).toBe(3);
    expect(advertisement.refs.map((ref) => ref.name)).toContain('refs/heads/topic/ünïcødé');
    expect(advertisement.refs.map((ref) => ref.name)).toContain('refs/notes/commits');
    expect(advertisement.symrefs).toEqual(new Map([['HEAD', 'refs/heads/trunk']]));
    expect(advertisement.capabilities.get('agent')).toBe(gitAgent);
    expect(advertisement.capabilities.get('object-format')).toBe('sha1');
    expect(advertisement.capabilities.get('side-band-64k')).toBe(true);
    expect(advertisement.capabilities.get('symref')).toBe('HEAD:refs/heads/trunk');
    expect(advertisement.service).toBeUndefined();
    expect(advertisement.shallow).toBeUndefined();
  });

  it('parses a v1 advertisement (version 1 line)', async () => {
    const advertisement = await parseFully(await advertiseRefs('upload-pack', repo, 'version=1'));
    expect(advertisement.version).toBe(1);
    expect(advertisement.refs).toEqual(expectedRefs);
  });

  it('parses a v2 capability advertisement', async () => {
    const advertisement = await parseFully(await advertiseRefs('upload-pack', repo, 'version=2'));
    expect(advertisement.version).toBe(2);
    expect(advertisement.refs).toEqual([]);
    expect(advertisement.capabilities.get('agent')).toBe(gitAgent);
    expect(advertisement.capabilities.get('ls-refs')).toBe('unborn');
    expect(advertisement.capabilities.get('fetch')).toBe('shallow wait-for-done');
    expect(advertisement.capabilities.get('server-option')).toBe(true);
    expect(advertisement.capabilities.get('object-format')).toBe('sha1');
  });

  it('parses a receive-pack advertisement (no HEAD)', async () => {
    const advertisement = await parseFully(await advertiseRefs('receive-pack', repo));
    expect(advertisement.refs).toEqual(receivePackRefs());
    expect(advertisement.capabilities.get('report-status')).toBe(true);
    expect(advertisement.symrefs.size).toBe(0);
  });

  it('parses the smart-HTTP info/refs response of git http-backend (v0)', async () => {
    const { headers, body } = await httpBackendInfoRefs(sandbox, 'repo.git', 'git-upload-pack');
    expect(headers).toContain('application/x-git-upload-pack-advertisement');
    const advertisement = await parseFully(body, { smartHttp: true });
    expect(advertisement.service).toBe('git-upload-pack');
    expect(advertisement.version).toBe(0);
    expect(advertisement.refs).toEqual(expectedRefs);
  });

  it('parses the smart-HTTP info/refs response of git http-backend (v1, prelude then version 1)', async () => {
    const { body } = await httpBackendInfoRefs(sandbox, 'repo.git', 'git-upload-pack', { GIT_PROTOCOL: 'version=1' });
    const advertisement = await parseFully(body, { smartHttp: true });
    expect(advertisement).toMatchObject({ version: 1, service: 'git-upload-pack' });
    expect(advertisement.refs).toEqual(expectedRefs);
  });

  it('parses the smart-HTTP info/refs response of git http-backend (v2, no prelude)', async () => {
    const { body } = await httpBackendInfoRefs(sandbox, 'repo.git', 'git-upload-pack', { GIT_PROTOCOL: 'version=2' });
    const advertisement = await parseFully(body, { smartHttp: true });
    expect(advertisement.version).toBe(2);
    expect(advertisement.capabilities.get('ls-refs')).toBe('unborn');
  });

  it('parses v2 capabilities behind a smart-HTTP prelude', async () => {
    const v2 = await advertiseRefs('upload-pack', repo, 'version=2');
    const body = concat([encodePacket('# service=git-upload-pack\n'), FLUSH_PKT, v2]);
    const advertisement = await parseFully(body, { smartHttp: true });
    expect(advertisement).toMatchObject({ version: 2, service: 'git-upload-pack' });
    expect(advertisement.capabilities.get('agent')).toBe(gitAgent);
  });

  it('parses the git-receive-pack service of git http-backend', async () => {
    const { body } = await httpBackendInfoRefs(sandbox, 'repo.git', 'git-receive-pack', { REMOTE_USER: 'tester' });
    const advertisement = await parseFully(body, { smartHttp: true });
    expect(advertisement.service).toBe('git-receive-pack');
    expect(advertisement.refs).toEqual(receivePackRefs());
    expect(advertisement.capabilities.get('delete-refs')).toBe(true);
  });

  it('parses empty repositories: a bare flush from upload-pack, capabilities^{} from receive-pack', async () => {
    const empty = join(sandbox.root, 'empty.git');
    await sandbox.git(['init', '-q', '--bare', empty]);
    const upload = await parseFully(await advertiseRefs('upload-pack', empty));
    expect(upload).toEqual({ version: 0, refs: [], capabilities: new Map(), symrefs: new Map() });
    const receive = await parseFully(await advertiseRefs('receive-pack', empty));
    expect(receive.refs).toEqual([]);
    expect(receive.capabilities.get('report-status')).toBe(true);
    expect(receive.capabilities.get('agent')).toBe(gitAgent);
  });

  it('collects the shallow lines of a shallow repository', async () => {
    const shallow = join(sandbox.root, 'shallow.git');
    await sandbox.git(['clone', '-q', '--bare', '--depth', '1', '--no-single-branch', `file://${repo}`, shallow]);
    const advertisement = await parseFully(await advertiseRefs('upload-pack', shallow));
    const shallowFile = (await sandbox.run('cat', [join(shallow, 'shallow')])).toString();
    expect(advertisement.shallow?.sort()).toEqual(shallowFile.trim().split('\n').sort());
    expect(advertisement.refs).toEqual(await listRefs(sandbox, shallow));
  });
});

describe('parseRefAdvertisement on bad input', () => {
  const OID = 'a'.repeat(40);
  const lines = (...texts: string[]) => concat([...texts.map((text) => encodePacket(`${text}\n`)), FLUSH_PKT]);

  async function failure(bytes: Uint8Array, options?: ParseRefAdvertisementOptions): Promise<unknown> {
    return parse(bytes, options).then(
      () => {
        throw new Error('expected a rejection');
      },
      (error: unknown) => error,
    );
  }

  it('collects several symref capabilities', async () => {
    const advertisement = await parse(
      lines(`${OID} HEAD\0symref=HEAD:refs/heads/a symref=refs/remotes/origin/HEAD:refs/remotes/origin/a`, `${OID} refs/heads/a`),
    );
    expect(advertisement.symrefs).toEqual(
      new Map([
        ['HEAD', 'refs/heads/a'],
        ['refs/remotes/origin/HEAD', 'refs/remotes/origin/a'],
      ]),
    );
    expect(advertisement.refs[0]).toEqual({ name: 'HEAD', oid: OID, symrefTarget: 'refs/heads/a' });
  });

  it('accepts SHA-256 object ids', async () => {
    const oid = 'b'.repeat(64);
    const advertisement = await parse(lines(`${oid} refs/heads/main\0object-format=sha256`));
    expect(advertisement.refs).toEqual([{ name: 'refs/heads/main', oid }]);
  });

  it('throws RemoteError for an ERR packet', async () => {
    const error = await failure(concat([encodePacket('ERR access denied or repository not exported: /x\n')]));
    expect(error).toBeInstanceOf(RemoteError);
    expect(error).toMatchObject({ code: 'REMOTE_ERROR', remoteMessage: 'access denied or repository not exported: /x' });
  });

  it.each([
    ['a short object id', [`${'a'.repeat(39)} refs/heads/a\0`]],
    ['an upper-case object id', [`${'A'.repeat(40)} refs/heads/a\0`]],
    ['a missing NUL on the first line', [`${OID} refs/heads/a`]],
    ['a missing ref name', [`${OID}\0caps`]],
    ['a ref name with a space', [`${OID} refs/heads/a b\0`]],
    ['capabilities on a later line', [`${OID} refs/heads/a\0`, `${OID} refs/heads/b\0x`]],
    ['a peeled line without its tag', [`${OID} refs/heads/a\0`, `${OID} refs/tags/b^{}`]],
    ['a peeled line twice', [`${OID} refs/tags/a\0`, `${OID} refs/tags/a^{}`, `${OID} refs/tags/a^{}`]],
    ['capabilities^{} with a real id', [`${OID} capabilities^{}\0caps`]],
    ['a bad symref capability', [`${OID} HEAD\0symref=HEAD`]],
    ['a bad shallow id', [`${OID} refs/heads/a\0`, 'shallow 1234']],
    ['a ref after shallow lines', [`${OID} refs/heads/a\0`, `shallow ${OID}`, `${OID} refs/heads/b`]],
    ['an invalid v2 capability', ['version 2', 'agent=git', 'bad key']],
    ['an empty v2 capability', ['version 2', '']],
  ])('rejects %s with BAD_ADVERTISEMENT at the offset of the last line', async (_, texts) => {
    const error = await failure(lines(...texts));
    expect(error).toBeInstanceOf(PktLineError);
    const offset = lines(...texts.slice(0, -1)).length - FLUSH_PKT.length;
    expect(error).toMatchObject({ code: 'BAD_ADVERTISEMENT', offset });
  });

  it('rejects a smart-HTTP response without the prelude', async () => {
    const error = await failure(lines(`${OID} refs/heads/a\0`), { smartHttp: true });
    expect(error).toMatchObject({ code: 'BAD_ADVERTISEMENT', offset: 0 });
    expect(String(error)).toContain('# service=');
  });

  it('rejects invalid UTF-8 in ref names', async () => {
    const bytes = concat([encodePacket(concat([new TextEncoder().encode(`${OID} refs/heads/`), Uint8Array.of(0xff, 0x0a)])), FLUSH_PKT]);
    expect(await failure(bytes)).toMatchObject({ code: 'BAD_ADVERTISEMENT', offset: 0 });
  });

  it('rejects a truncated advertisement and a delim inside it', async () => {
    const firstLine = encodePacket(`${OID} refs/heads/a\0\n`);
    expect(await failure(firstLine)).toMatchObject({ code: 'UNEXPECTED_EOF', offset: firstLine.length });
    expect(await failure(new Uint8Array(0))).toMatchObject({ code: 'UNEXPECTED_EOF', offset: 0 });
    const delimited = concat([firstLine, DELIM_PKT]);
    expect(await failure(delimited)).toMatchObject({ code: 'UNEXPECTED_PACKET', offset: firstLine.length });
  });
});
