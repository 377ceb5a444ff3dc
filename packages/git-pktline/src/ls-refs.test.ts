import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCommandRequest } from './command-request.js';
import { FLUSH_PKT } from './constants.js';
import { encodePacket } from './encode.js';
import { PktLineError, RemoteError } from './errors.js';
import { parseLsRefs } from './ls-refs.js';
import { ZERO_OID } from './object-id.js';
import { PktLineReader } from './reader.js';
import { chunksOf, concat } from './test-support/bytes.js';
import { createSampleRepo, createSandbox, listRefs, type Sandbox } from './test-support/git.js';

let sandbox: Sandbox;
let repo: string;

beforeAll(async () => {
  sandbox = await createSandbox();
  repo = await createSampleRepo(sandbox);
});

afterAll(() => sandbox.remove());

/** Sends an ls-refs request to `git upload-pack --stateless-rpc` (protocol v2) and parses the answer. */
async function lsRefs(path: string, args: string[]) {
  const request = encodeCommandRequest({ command: 'ls-refs', capabilities: ['object-format=sha1'], args });
  const response = await sandbox.git(['upload-pack', '--stateless-rpc', path], {
    env: { GIT_PROTOCOL: 'version=2' },
    input: request,
  });
  const reader = new PktLineReader(chunksOf([response]));
  const refs = await parseLsRefs(reader);
  expect(await reader.read()).toBeNull();
  return refs;
}

describe('parseLsRefs on real git output', () => {
  it('matches the refs git lists, with symref targets and peeled tags', async () => {
    const refs = await lsRefs(repo, ['symrefs', 'peel', 'unborn']);
    expect(refs).toEqual(await listRefs(sandbox, repo));
    expect(refs[0]).toMatchObject({ name: 'HEAD', symrefTarget: 'refs/heads/trunk' });
  });

  it('omits attributes the request did not ask for, and honours ref-prefix', async () => {
    const plain = await lsRefs(repo, ['ref-prefix refs/tags/']);
    const expected = (await listRefs(sandbox, repo)).filter((ref) => ref.name.startsWith('refs/tags/'));
    expect(plain).toEqual(expected.map(({ name, oid }) => ({ name, oid })));
  });

  it('reports an unborn HEAD in an empty repository', async () => {
    const empty = join(sandbox.root, 'empty.git');
    await sandbox.git(['init', '-q', '--bare', '-b', 'develop', empty]);
    expect(await lsRefs(empty, ['symrefs', 'unborn'])).toEqual([
      { name: 'HEAD', oid: ZERO_OID, unborn: true, symrefTarget: 'refs/heads/develop' },
    ]);
    expect(await lsRefs(empty, ['symrefs'])).toEqual([]);
  });

  it('reports an unborn HEAD next to existing refs', async () => {
    const orphan = join(sandbox.root, 'orphan.git');
    await sandbox.git(['clone', '-q', '--mirror', repo, orphan]);
    await sandbox.git(['-C', orphan, 'symbolic-ref', 'HEAD', 'refs/heads/not-yet']);
    const refs = await lsRefs(orphan, ['symrefs', 'peel', 'unborn']);
    expect(refs[0]).toEqual({ name: 'HEAD', oid: ZERO_OID, unborn: true, symrefTarget: 'refs/heads/not-yet' });
    expect(refs.slice(1)).toEqual(await listRefs(sandbox, orphan));
  });
});

describe('parseLsRefs on bad input', () => {
  const OID = 'c'.repeat(40);
  const parse = (...texts: string[]) =>
    parseLsRefs(new PktLineReader(chunksOf([concat([...texts.map((text) => encodePacket(`${text}\n`)), FLUSH_PKT])])));

  it('ignores unknown attributes', async () => {
    expect(await parse(`${OID} refs/heads/a future:thing`)).toEqual([{ name: 'refs/heads/a', oid: OID }]);
  });

  it.each([
    ['a bad object id', `${OID.slice(1)} refs/heads/a`],
    ['a missing name', OID],
    ['a bad peeled id', `${OID} refs/tags/a peeled:xyz`],
    ['an empty symref-target', `${OID} HEAD symref-target:`],
    ['a double space', `${OID} refs/heads/a  peeled:${OID}`],
  ])('rejects %s with BAD_ADVERTISEMENT at the line offset', async (_, text) => {
    const first = `${OID} refs/heads/ok`;
    const error = await parse(first, text).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PktLineError);
    expect(error).toMatchObject({ code: 'BAD_ADVERTISEMENT', offset: encodePacket(`${first}\n`).length });
  });

  it('throws RemoteError on ERR and UNEXPECTED_EOF without a flush', async () => {
    const error = await parse('ERR unknown command').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RemoteError);
    expect(error).toMatchObject({ remoteMessage: 'unknown command' });
    const truncated = parseLsRefs(new PktLineReader(chunksOf([encodePacket(`${OID} refs/heads/a\n`)])));
    await expect(truncated).rejects.toMatchObject({ code: 'UNEXPECTED_EOF' });
  });
});
