import type { MirrorResult } from '@gitmirror/mirror-core';

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** `1536` → `1.5 KiB`. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 2 : value < 100 ? 1 : 0)} ${UNITS[unit]}`;
}

/** `1234` ms → `1.2 s`, `75000` → `1m15s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
}

/** Bytes per second over `ms`, e.g. `4.1 MiB/s`. */
export function formatRate(bytes: number, ms: number): string {
  return ms > 0 ? `${formatBytes(Math.round((bytes * 1000) / ms))}/s` : '';
}

/** What a successful sync changed: `1 created, 2 updated, 0 deleted, pack-….pack (42 objects, 12.0 KiB)`. */
export function describeResult(result: MirrorResult, dryRun: boolean): string {
  if (result.upToDate) return 'up to date';
  const refs = `${result.created.length} created, ${result.updated.length} updated, ${result.deleted.length} deleted`;
  if (dryRun) return `would change refs: ${refs}`;
  const pack = result.pack ? `, ${result.pack.name} (${result.pack.objects} objects, ${formatBytes(result.pack.bytes)})` : ', no new objects';
  const repack = result.repack ? `; merged ${result.repack.merged.length} packs, ${result.repack.packsAfter} now` : '';
  return `${refs}${pack}${repack}`;
}
