import zlib, { deflateSync } from 'node:zlib';
import { describe, expect, it, vi } from 'vitest';
import { inflateKnown, Inflater } from './inflater.js';

const content = Buffer.from('tree 4b825dc642cb6eb9a060e54bf8d69288fbc4904\n'.repeat(20));
const stream = deflateSync(content);

describe('Inflater', () => {
  it('stops at the end of a stream followed by other bytes', () => {
    const inflater = new Inflater();
    const input = Buffer.concat([stream, Buffer.from('next entry')]);
    const output = Buffer.alloc(content.length + 1);
    expect(inflater.inflate(input, 0, input.length, output, 0, output.length)).toBe(true);
    expect(inflater.consumed).toBe(stream.length);
    expect(inflater.produced).toBe(content.length);
    expect(output.subarray(0, content.length)).toEqual(content);
    inflater.close();
  });

  it('reports a corrupt stream by its result and zlib message, and inflates again after reset', () => {
    const inflater = new Inflater();
    const corrupt = Buffer.from(stream);
    corrupt[corrupt.length - 1]! ^= 0xff;
    const output = Buffer.alloc(content.length + 1);
    expect(inflater.inflate(corrupt, 0, corrupt.length, output, 0, output.length)).toBe(false);
    expect(inflater.error).toBe('incorrect data check');
    inflater.reset();
    expect(inflater.error).toBeUndefined();
    expect(inflateKnown(inflater, stream, content.length, output)).toEqual(content);
    expect(inflateKnown(inflater, corrupt, content.length, output)).toBeUndefined();
    expect(inflateKnown(inflater, stream, content.length - 1, output)).toBeUndefined();
    inflater.close();
  });

  it('fails on construction, naming the Node version, where node:zlib lacks the internals it drives', () => {
    const createInflate = vi.spyOn(zlib, 'createInflate').mockReturnValue({} as never);
    try {
      expect(() => new Inflater()).toThrow(`Inflater needs node:zlib's internal Inflate _handle.writeSync and _writeState, which Node ${process.version} does not have`);
    } finally {
      createInflate.mockRestore();
    }
    expect(() => new Inflater().close()).not.toThrow();
  });
});
