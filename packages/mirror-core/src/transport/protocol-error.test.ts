import { PktLineError, RemoteError, SideBandError } from '@gitmirror/git-pktline';
import { describe, expect, it } from 'vitest';
import { TransportError } from '../errors.js';
import { rethrowProtocolError, type ProtocolPeer } from './protocol-error.js';

const URL = 'https://git.example/repo.git';
const SERVER: ProtocolPeer = { who: 'server', reply: 'response', eofCode: 'CONNECTION_LOST' };
const TARGET: ProtocolPeer = { who: 'target', reply: 'answer', eofCode: 'PUSH_FAILED' };

/** What {@link rethrowProtocolError} throws for `error`. */
function thrown(error: unknown, peer: ProtocolPeer = SERVER, doing = 'listing refs'): unknown {
  try {
    rethrowProtocolError(error, URL, doing, peer);
  } catch (rethrown) {
    return rethrown;
  }
  throw new Error('rethrowProtocolError returned');
}

describe('rethrowProtocolError', () => {
  it("turns an ERR line into REMOTE_ERROR naming the peer, with the peer's text made safe", () => {
    const error = new RemoteError('no such ref\x1b[2J');
    const server = thrown(error);
    expect(server).toBeInstanceOf(TransportError);
    expect(server).toMatchObject({ code: 'REMOTE_ERROR', message: `${URL}: the server reported an error while listing refs: no such ref\\x1b[2J`, cause: error });
    expect(thrown(error, TARGET, 'reading the push report')).toMatchObject({
      code: 'REMOTE_ERROR',
      message: `${URL}: the target reported an error while reading the push report: no such ref\\x1b[2J`,
    });
  });

  it('turns a side-band 3 error into REMOTE_ERROR too', () => {
    expect(thrown(new SideBandError('disk full'), SERVER, 'receiving the pack')).toMatchObject({
      code: 'REMOTE_ERROR',
      message: `${URL}: the server reported an error while receiving the pack: disk full`,
    });
  });

  it("turns a stream cut short into the peer's EOF code", () => {
    const error = new PktLineError('UNEXPECTED_EOF', 'stream ended before the expected flush packet', 40);
    expect(thrown(error)).toMatchObject({ code: 'CONNECTION_LOST', message: `${URL}: the connection ended while listing refs`, cause: error });
    expect(thrown(error, TARGET)).toMatchObject({ code: 'PUSH_FAILED', message: `${URL}: the connection ended while listing refs`, cause: error });
  });

  it('passes an abort through as it is', () => {
    const abort = new DOMException('This operation was aborted', 'AbortError');
    expect(thrown(abort)).toBe(abort);
  });

  it('passes a TransportError through as it is', () => {
    const error = new TransportError('TIMEOUT', `${URL}: no data for 30 s`);
    expect(thrown(error)).toBe(error);
  });

  it("turns any other failure into PROTOCOL_ERROR, with its message made safe and the peer's word for a reply", () => {
    const framing = new PktLineError('BAD_LENGTH', 'bad length "zz\x07"', 0);
    expect(thrown(framing)).toMatchObject({ code: 'PROTOCOL_ERROR', message: `${URL}: unexpected response while listing refs: bad length "zz\\x07" (at byte 0)`, cause: framing });
    const report = new Error('unexpected report line "x"');
    expect(thrown(report, TARGET, 'reading the push report')).toMatchObject({
      code: 'PROTOCOL_ERROR',
      message: `${URL}: unexpected answer while reading the push report: unexpected report line "x"`,
    });
  });

  it("takes only git-pktline's errors for a remote error or a cut stream, not whatever carries their codes", () => {
    const lookalike = Object.assign(new Error('socket hang up'), { code: 'UNEXPECTED_EOF' });
    expect(thrown(lookalike)).toMatchObject({ code: 'PROTOCOL_ERROR', message: `${URL}: unexpected response while listing refs: socket hang up` });
    const remoteLookalike = Object.assign(new Error('not a remote error'), { code: 'REMOTE_ERROR', remoteMessage: 'forged' });
    expect(thrown(remoteLookalike)).toMatchObject({ code: 'PROTOCOL_ERROR', message: `${URL}: unexpected response while listing refs: not a remote error` });
  });
});
