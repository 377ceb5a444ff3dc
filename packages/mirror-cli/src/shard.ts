import { createHash } from 'node:crypto';
import { UsageError } from './errors.js';

/** One of `count` parts of a batch run's mirrors (`--shard index/count`). */
export interface Shard {
  /** From 0 to `count - 1`. */
  index: number;
  count: number;
}

/** The variable a Kubernetes Indexed Job sets to each pod's index, read for `--shard /N`. */
export const JOB_INDEX_VARIABLE = 'JOB_COMPLETION_INDEX';

const FORM = 'expected I/N with 0 <= I < N, e.g. 0/4';

/**
 * Parses `I/N` (`0/4`, `3/4`). With the index left out (`/4`) it is read from `JOB_COMPLETION_INDEX` in `env`.
 * @throws UsageError naming `what` and showing the form, or saying that `JOB_COMPLETION_INDEX` is not set.
 */
export function parseShard(value: unknown, what: string, env: NodeJS.ProcessEnv): Shard {
  const match = typeof value === 'string' ? /^\s*(\d*)\s*\/\s*(\d+)\s*$/.exec(value) : null;
  if (!match) throw new UsageError(`${what}: ${quote(value)} is not a shard: ${FORM}`);
  let index = match[1];
  let given = quote(value);
  if (index === '') {
    const fromJob = env[JOB_INDEX_VARIABLE]?.trim();
    if (!fromJob) throw new UsageError(`${what}: ${given} takes the index from ${JOB_INDEX_VARIABLE}, which is not set: ${FORM}`);
    index = fromJob;
    given += ` with ${JOB_INDEX_VARIABLE}=${quote(fromJob)}`;
  }
  const shard = { index: toWholeNumber(index), count: toWholeNumber(match[2]) };
  if (!(shard.count >= 1 && shard.index >= 0 && shard.index < shard.count)) throw new UsageError(`${what}: ${given} is not a shard: ${FORM}`);
  return shard;
}

/** NaN unless `text` is all digits and safely an integer, so that `1.5`, `-1` and `1e3` are refused. */
function toWholeNumber(text: string): number {
  const number = /^\d+$/.test(text) ? Number(text) : NaN;
  return Number.isSafeInteger(number) ? number : NaN;
}

function quote(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : String(value);
}

/**
 * The shard of `count` a target belongs to: the first 4 bytes of the SHA-256 of its UTF-8 text, as an unsigned
 * big-endian integer, modulo `count`. It depends on nothing but the text, so every machine and Node version agrees.
 */
export function shardOf(target: string, count: number): number {
  return createHash('sha256').update(target, 'utf8').digest().readUInt32BE(0) % count;
}

/** Whether the mirror to `target` is this shard's; every target is when there is no shard. */
export function inShard(target: string, shard: Shard | undefined): boolean {
  return !shard || shardOf(target, shard.count) === shard.index;
}
