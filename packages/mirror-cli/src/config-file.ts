import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { UsageError } from './errors.js';
import { resolveSettings, settingName, toHeaders, type SettingName, type Settings } from './settings.js';

/** One repository of a config file or of the standard input. */
export interface MirrorEntry {
  source: string;
  target: string;
  /** Ref globs of this repository; they replace the shared ones. */
  include?: string[];
  exclude?: string[];
  /** Request headers of this source, added to (and overriding) the shared ones. */
  headers?: Record<string, string>;
  /** `serve`: the mirror's name in the API, metrics and logs (the `mirror` command ignores it). */
  name?: string;
  /** `serve`: when to sync it, as cron (`*\/15 * * * *`) or an interval (`10m`); the `mirror` command ignores it. */
  schedule?: string;
}

/** A parsed config file: shared settings and the repositories to mirror. */
export interface ConfigFile {
  path: string;
  values: Partial<Record<SettingName, unknown>>;
  mirrors: MirrorEntry[];
  /** The `server:` section, for `serve` (the other commands ignore it). */
  server?: Record<string, unknown>;
}

const ENTRY_KEYS = new Set(['name', 'source', 'target', 'include', 'exclude', 'headers', 'schedule']);

/**
 * Reads a JSON (`.json`) or YAML (any other name) config file: either a list of mirrors, or an object of settings
 * (long option names, e.g. `concurrency`, `s3-endpoint-url`, `headers`) with the list under `mirrors`.
 * @throws UsageError (`INVALID_CONFIG`) naming the file and the bad entry.
 */
export async function loadConfigFile(path: string): Promise<ConfigFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read config file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, 'INVALID_CONFIG');
  }
  let document: unknown;
  try {
    document = extname(path).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new UsageError(`${path} is not valid ${extname(path) === '.json' ? 'JSON' : 'YAML'}: ${(error as Error).message.split('\n')[0]}`, 'INVALID_CONFIG');
  }
  if (Array.isArray(document)) return { path, values: {}, mirrors: document.map((item, index) => parseMirrorEntry(item, `${path}: mirror ${index + 1}`)) };
  if (!isObject(document)) throw new UsageError(`${path}: expected a list of mirrors or an object of settings`, 'INVALID_CONFIG');
  const values: Partial<Record<SettingName, unknown>> = {};
  let mirrors: MirrorEntry[] = [];
  let server: Record<string, unknown> | undefined;
  for (const [key, value] of Object.entries(document)) {
    if (key === 'server') {
      if (!isObject(value)) throw new UsageError(`${path}: server must be an object of server settings`, 'INVALID_CONFIG');
      server = value;
      continue;
    }
    if (key === 'mirrors') {
      if (!Array.isArray(value)) throw new UsageError(`${path}: mirrors must be a list`, 'INVALID_CONFIG');
      mirrors = value.map((item, index) => parseMirrorEntry(item, `${path}: mirror ${index + 1}`));
      continue;
    }
    const name = settingName(key);
    if (!name || name === 'source' || name === 'target') {
      throw new UsageError(`${path}: unknown setting '${key}' (settings are long option names; repositories go under mirrors)`, 'INVALID_CONFIG');
    }
    values[name] = value;
  }
  return { path, values, mirrors, ...(server ? { server } : {}) };
}

/** Checks one mirror entry: `{ source, target, include?, exclude?, headers?, name?, schedule? }`. `where` prefixes error messages. */
export function parseMirrorEntry(value: unknown, where: string): MirrorEntry {
  const fail = (reason: string): never => {
    throw new UsageError(`${where}: ${reason}`, 'INVALID_CONFIG');
  };
  if (!isObject(value)) return fail('expected an object with source and target');
  for (const key of Object.keys(value)) if (!ENTRY_KEYS.has(key)) fail(`unknown key '${key}' (expected ${[...ENTRY_KEYS].join(', ')})`);
  const { source, target, include, exclude, headers, name, schedule } = value;
  if (typeof source !== 'string' || source === '') fail('source must be a non-empty string');
  if (typeof target !== 'string' || target === '') fail('target must be a non-empty string');
  const entry: MirrorEntry = { source: source as string, target: target as string };
  if (name !== undefined) {
    if (typeof name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) fail('name must be letters, digits, ".", "_" or "-", starting with a letter or digit');
    entry.name = name as string;
  }
  if (schedule !== undefined) {
    if (typeof schedule !== 'string' || schedule.trim() === '') fail('schedule must be a cron expression or an interval such as 10m');
    entry.schedule = schedule as string;
  }
  if (include !== undefined) entry.include = globs(include, 'include', fail);
  if (exclude !== undefined) entry.exclude = globs(exclude, 'exclude', fail);
  if (headers !== undefined) {
    try {
      entry.headers = toHeaders(headers, `${where}: headers`);
    } catch (error) {
      throw new UsageError((error as Error).message, 'INVALID_CONFIG');
    }
  }
  return entry;
}

function globs(value: unknown, key: string, fail: (reason: string) => never): string[] {
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || !list.every((item) => typeof item === 'string')) return fail(`${key} must be a list of ref globs`);
  return list;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The settings of a command that reads no mirror list (`verify`, `ls-refs`): flags, then the environment, then the
 * `--config` file (`--config -` names none).
 */
export async function commandSettings(flags: Record<string, unknown>, env: NodeJS.ProcessEnv): Promise<Settings> {
  const config = typeof flags.config === 'string' && flags.config !== '-' ? await loadConfigFile(flags.config) : undefined;
  return resolveSettings(flags, env, config);
}
