import { createInterface } from 'node:readline';
import type { MirrorMapping, MirrorMappingOptions } from '@gitmirror/mirror-core';
import { parseMirrorEntry, type MirrorEntry } from './config-file.js';
import type { InputProblem } from './report/reporter.js';
import { inShard, type Shard } from './shard.js';
import { isS3Url, loadS3Sdk } from './target-options.js';

/** Where the repositories of a `mirror` run come from, in this order. */
export interface MirrorInput {
  /** `--source`/`--target` pairs. */
  pairs: readonly (readonly [source: string, target: string])[];
  /** Mirrors of the config file. */
  entries: readonly MirrorEntry[];
  /** Newline-delimited JSON mirror entries (`--config -`), read as they arrive. */
  stdin?: NodeJS.ReadableStream & { destroy?(): void };
  /** Shared request headers, under which an entry's own headers are merged. */
  headers: Record<string, string>;
  /** Stops reading the standard input. */
  signal: AbortSignal;
  /** Hand out only the mirrors whose target falls in this shard (`--shard`); all when absent. */
  shard?: Shard;
  onInvalidInput(problem: InputProblem): void;
  /** A mirror left to another shard, not handed out. */
  onOtherShard?(mapping: MirrorMapping): void;
}

/**
 * The repositories to mirror as the async iterable `mirrorRepos` consumes: pairs, then config file entries, then each
 * line of the standard input as soon as it is read, so work starts before the input ends. A line that is not a
 * mirror entry is reported and skipped (in every shard: which one it was meant for cannot be told); an abort ends
 * the input. With a shard, mirrors of other shards are passed to `onOtherShard` instead. The AWS SDK is loaded
 * when an `s3://` target first appears.
 */
export async function* mirrorMappings(input: MirrorInput): AsyncGenerator<MirrorMapping> {
  for (const mapping of allMappings(input)) yield* ownMapping(mapping, input);
  if (!input.stdin) return;
  let line = 0;
  for await (const text of abortableLines(input.stdin, input.signal)) {
    line++;
    if (text.trim() === '') continue;
    let entry: MirrorEntry;
    try {
      entry = parseMirrorEntry(JSON.parse(text), `line ${line}`);
    } catch (error) {
      input.onInvalidInput({ line, message: error instanceof SyntaxError ? `not JSON (${error.message})` : (error as Error).message.replace(/^line \d+: /, '') });
      continue;
    }
    yield* ownMapping(toMapping(entry, input.headers), input);
  }
}

function* allMappings(input: MirrorInput): Generator<MirrorMapping> {
  for (const [source, target] of input.pairs) yield [source, target];
  for (const entry of input.entries) yield toMapping(entry, input.headers);
}

/** The mapping if it is this shard's (with the SDK loaded for it), else nothing. */
async function* ownMapping(mapping: MirrorMapping, input: MirrorInput): AsyncGenerator<MirrorMapping> {
  if (typeof mapping[1] === 'string' && !inShard(mapping[1], input.shard)) input.onOtherShard?.(mapping);
  else yield await withSdk(mapping);
}

/** Loads the AWS SDK before the first `s3://` target is handed out. */
async function withSdk(mapping: MirrorMapping): Promise<MirrorMapping> {
  if (typeof mapping[1] === 'string' && isS3Url(mapping[1])) await loadS3Sdk();
  return mapping;
}

/** The mapping `mirrorRepos` takes for a config entry: its filters, and its headers over the shared ones. */
export function toMapping(entry: MirrorEntry, shared: Record<string, string>): MirrorMapping {
  const options: MirrorMappingOptions = {};
  if (entry.include) options.include = entry.include;
  if (entry.exclude) options.exclude = entry.exclude;
  if (entry.headers) options.source = { headers: mergeHeaders(shared, entry.headers) };
  return [entry.source, entry.target, options];
}

/** Merges header maps case-insensitively, later ones winning. */
export function mergeHeaders(...maps: Record<string, string>[]): Record<string, string> {
  const merged: Record<string, string> = {};
  for (const map of maps) for (const [name, value] of Object.entries(map)) merged[name.toLowerCase()] = value;
  return merged;
}

async function* abortableLines(stream: NodeJS.ReadableStream & { destroy?(): void }, signal: AbortSignal): AsyncGenerator<string> {
  if (signal.aborted) return;
  const lines = createInterface({ input: stream, crlfDelay: Infinity })[Symbol.asyncIterator]();
  const aborted = new Promise<IteratorReturnResult<undefined>>((resolve) => signal.addEventListener('abort', () => resolve({ done: true, value: undefined }), { once: true }));
  try {
    for (;;) {
      const next = await Promise.race([lines.next(), aborted]);
      if (next.done) return;
      yield next.value;
    }
  } finally {
    await lines.return?.();
    if (signal.aborted) stream.destroy?.();
  }
}
