import { MIN_PROCESS_MEMORY } from '@gitmirror/mirror-core';
import { envName, kebabCase } from './env-names.js';
import { UsageError } from './errors.js';
import { parseRate } from './parse-rate.js';
import { parseBoolean, parseCount, parseDuration, parseHeader, parseSize } from './parse-values.js';
import { parseShard, type Shard } from './shard.js';

type Kind = 'string' | 'strings' | 'boolean' | 'count' | 'retries' | 'memory' | 'duration' | 'netrc' | 'headers' | 'bytes' | 'rate' | 'shard';

const KINDS = {
  source: 'strings',
  target: 'strings',
  concurrency: 'count',
  includeRef: 'strings',
  excludeRef: 'strings',
  maxMemory: 'memory',
  dryRun: 'boolean',
  leftoverGrace: 'duration',
  s3EndpointUrl: 'string',
  s3ForcePathStyle: 'boolean',
  s3StorageClass: 'string',
  s3UnquotedIfMatch: 'boolean',
  s3Checksums: 'boolean',
  netrc: 'netrc',
  header: 'headers',
  timeout: 'duration',
  retries: 'retries',
  quiet: 'boolean',
  json: 'boolean',
  full: 'boolean',
  symref: 'boolean',
  deadline: 'duration',
  minRate: 'rate',
  maxRefs: 'count',
  maxAdvertisement: 'bytes',
  autoRepack: 'boolean',
  autoRepackMax: 'bytes',
  all: 'boolean',
  shard: 'shard',
} as const satisfies Record<string, Kind>;

/** Name of a setting: the camel-case form of its long option. */
export type SettingName = keyof typeof KINDS;

/** Every option after flags, environment, config file and defaults have been merged (flags win). */
export interface Settings {
  source: string[];
  target: string[];
  concurrency: number;
  /** Ref globs to mirror and to leave out; given patterns replace the default (every ref). */
  includeRef?: string[];
  excludeRef?: string[];
  /** Bytes the whole process may keep resident (Node, SDK, workers, buffers), at least {@link MIN_PROCESS_MEMORY}. */
  maxMemory: number;
  dryRun: boolean;
  /** Milliseconds after which the leftovers of killed syncs are removed (default: mirror-core's, one hour). */
  leftoverGrace?: number;
  s3EndpointUrl?: string;
  s3ForcePathStyle: boolean;
  s3StorageClass?: string;
  s3UnquotedIfMatch: boolean;
  /** Send and validate CRC32 checksums whenever S3 supports them (else only where required). */
  s3Checksums: boolean;
  /** `true` for `~/.netrc`, a path, or `false`. */
  netrc: boolean | string;
  /** Extra request headers for every source; values are secrets. */
  header: Record<string, string>;
  /** Milliseconds. */
  timeout?: number;
  retries?: number;
  quiet: boolean;
  json: boolean;
  full: boolean;
  symref: boolean;
  /** Milliseconds one repository's whole sync may take; none by default. */
  deadline?: number;
  /** Bytes per second a pack download must average (over 30 s of waiting for the source); none by default. */
  minRate?: number;
  /** Most refs a source may list; mirror-core's default (2,000,000) when absent. */
  maxRefs?: number;
  /** Most bytes a source's ref listing may take; mirror-core's default (256 MiB) when absent. */
  maxAdvertisement?: number;
  /** Merge packs by the geometric policy after a sync that added one (default on). */
  autoRepack: boolean;
  /** Most bytes of packs such a merge rewrites; mirror-core's default (1 GiB) when absent. */
  autoRepackMax?: number;
  /** `repack`: merge every pack, not only what the geometric policy picks. */
  all: boolean;
  /** `mirror`: mirror only the targets whose hash falls in this shard; all of them when absent. */
  shard?: Shard;
}

/** `--max-memory` when not given: 256 MiB. */
export const DEFAULT_MAX_MEMORY = 256 * 1024 * 1024;

const DEFAULTS = {
  source: [],
  target: [],
  concurrency: 4,
  maxMemory: DEFAULT_MAX_MEMORY,
  dryRun: false,
  s3ForcePathStyle: false,
  s3UnquotedIfMatch: false,
  s3Checksums: true,
  netrc: true,
  header: {},
  quiet: false,
  json: false,
  full: false,
  symref: false,
  autoRepack: true,
  all: false,
} satisfies Partial<Settings>;

/** The long option of a setting, e.g. `--s3-endpoint-url`. */
export function flagName(name: SettingName): string {
  return `--${kebabCase(name)}`;
}

/** Config file keys that read like the per-mirror ones. */
const FILE_ALIASES: Record<string, SettingName | undefined> = { headers: 'header', include: 'includeRef', exclude: 'excludeRef' };

/** Whether a config file key names a setting (`max-memory` or `maxMemory`); returns its name. */
export function settingName(key: string): SettingName | undefined {
  const name = key.replace(/-([a-z0-9])/g, (_, char: string) => char.toUpperCase());
  const alias = FILE_ALIASES[name];
  if (alias) return alias;
  return Object.hasOwn(KINDS, name) ? (name as SettingName) : undefined;
}

/**
 * Merges the options with precedence flags > environment > config file > defaults, checking and converting each
 * value. `flags` are yargs' parsed arguments (undefined when not given), `file` the config file's settings.
 * @throws UsageError naming the flag, variable or file key holding a bad value (never the value of a header).
 */
export function resolveSettings(flags: Record<string, unknown>, env: NodeJS.ProcessEnv, file?: { path: string; values: Partial<Record<SettingName, unknown>> }): Settings {
  const settings: Record<string, unknown> = { ...DEFAULTS };
  for (const name of Object.keys(KINDS) as SettingName[]) {
    const kind: Kind = KINDS[name];
    const flag = flags[name];
    const fromEnv = env[envName(name)];
    if (flag !== undefined) settings[name] = convert(kind, flag, flagName(name), env);
    else if (fromEnv !== undefined && fromEnv !== '') settings[name] = convert(kind, fromEnv, envName(name), env, true);
    else if (file?.values[name] !== undefined) settings[name] = convert(kind, file.values[name], `${kebabCase(name)} in ${file.path}`, env);
  }
  return settings as unknown as Settings;
}

/** `env` is for values that read other variables (`--shard /N` reads `JOB_COMPLETION_INDEX`). */
function convert(kind: Kind, value: unknown, what: string, env: NodeJS.ProcessEnv, fromEnv = false): unknown {
  switch (kind) {
    case 'string':
      if (typeof value !== 'string') throw new UsageError(`${what}: expected a string`);
      return value;
    case 'strings':
      return toStrings(value, what, fromEnv ? /[\s,]+/ : undefined);
    case 'boolean':
      if (typeof value !== 'boolean' && typeof value !== 'string') throw new UsageError(`${what}: expected true or false`);
      return parseBoolean(value, what);
    case 'count':
    case 'retries':
      if ((typeof value !== 'number' && typeof value !== 'string') || Number.isNaN(value)) throw new UsageError(`${what}: expected a number`);
      return parseCount(value, what, kind === 'count' ? 1 : 0);
    case 'memory':
    case 'duration':
      if (typeof value !== 'number' && typeof value !== 'string') throw new UsageError(`${what}: expected a ${kind === 'memory' ? 'size' : kind}`);
      return kind === 'memory' ? parseMemory(value, what) : parseDuration(value, what);
    case 'bytes':
    case 'rate':
      if (typeof value !== 'number' && typeof value !== 'string') throw new UsageError(`${what}: expected a ${kind === 'bytes' ? 'size' : 'transfer rate'}`);
      return kind === 'bytes' ? parseSize(value, what) : parseRate(value, what);
    case 'netrc':
      return toNetrc(value, what);
    case 'headers':
      return toHeaders(value, what, fromEnv);
    case 'shard':
      return parseShard(value, what, env);
  }
}

/** A process-wide memory ceiling: below {@link MIN_PROCESS_MEMORY} Node alone would not leave a pack its floor. */
function parseMemory(value: string | number, what: string): number {
  const bytes = parseSize(value, what);
  const minimum = `${MIN_PROCESS_MEMORY / 1024 / 1024}M`;
  if (bytes < MIN_PROCESS_MEMORY) throw new UsageError(`${what}: ${value} is too small: the process needs at least ${minimum} (Node and one pack)`);
  return bytes;
}

function toStrings(value: unknown, what: string, separator?: RegExp): string[] {
  const list = typeof value === 'string' ? (separator ? value.split(separator) : [value]) : value;
  if (!Array.isArray(list) || !list.every((item) => typeof item === 'string')) throw new UsageError(`${what}: expected a list of strings`);
  return list.filter((item) => item !== '');
}

function toNetrc(value: unknown, what: string): boolean | string {
  if (typeof value === 'boolean') return value;
  if (typeof value !== 'string') throw new UsageError(`${what}: expected true, false or a file path`);
  if (value === '') return true;
  return /^(true|false|1|0|yes|no|on|off)$/i.test(value) ? parseBoolean(value, what) : value;
}

/** Headers as `Name: value` strings (flags; newline-separated in the environment) or a `{ Name: value }` map. */
export function toHeaders(value: unknown, what: string, fromEnv = false): Record<string, string> {
  const headers: Record<string, string> = {};
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [name, text] of Object.entries(value)) {
      if (typeof text !== 'string') throw new UsageError(`${what}: the value of header ${name} must be a string`);
      const [checked] = parseHeader(`${name}: x`, what);
      headers[checked] = text;
    }
    return headers;
  }
  for (const line of toStrings(value, what, fromEnv ? /\r?\n/ : undefined)) {
    const [name, text] = parseHeader(line, what);
    headers[name] = text;
  }
  return headers;
}
