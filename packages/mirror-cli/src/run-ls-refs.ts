import { openStorage } from '@gitmirror/dumb-storage';
import { openTransport, parseInfoRefs, type MirrorRef } from '@gitmirror/mirror-core';
import { loadConfigFile } from './config-file.js';
import type { Io } from './io.js';
import { writeError } from './report/reporter.js';
import { createStyle } from './report/style.js';
import { resolveSettings } from './settings.js';
import { targetOptions } from './target-options.js';
import { readOptional } from './verify/read.js';

/** The refs of a repository or mirror: HEAD as a symref or a detached id, and every ref with its peeled id. */
export interface RefListing {
  head?: { symref: string } | { oid: string };
  refs: MirrorRef[];
}

/**
 * Lists the refs of a source (through upload-pack) or of an `s3://` mirror (its `info/refs` and `HEAD`) and prints
 * them as `git ls-remote` does: `<oid>\tHEAD` first, then each ref, annotated tags followed by their `^{}` line.
 */
export async function runLsRefs(flags: Record<string, unknown>, io: Io): Promise<number> {
  const url = String(flags.url);
  const config = typeof flags.config === 'string' && flags.config !== '-' ? await loadConfigFile(flags.config) : undefined;
  const settings = resolveSettings(flags, io.env, config);
  let listing: RefListing;
  try {
    listing = /^s3:\/\//i.test(url) ? await listMirror(url, settings, io.signal) : await listSource(url, settings, io.signal);
  } catch (error) {
    if (!settings.quiet) writeError(io.stderr, createStyle(io.stderr.isTTY === true, io.env), `ls-refs ${redacted(url)}`, error as Error);
    if (settings.json) io.stdout.write(`${JSON.stringify({ ok: false, error: { code: (error as { code?: string }).code ?? 'ERROR', message: (error as Error).message } }, null, 2)}\n`);
    return 1;
  }
  if (settings.json) io.stdout.write(`${JSON.stringify({ ok: true, ...listing }, null, 2)}\n`);
  else io.stdout.write(formatLsRemote(listing, settings.symref));
  return 0;
}

/** `git ls-remote` output of a listing (with `--symref`, HEAD's target first). */
export function formatLsRemote(listing: RefListing, symref: boolean): string {
  let text = '';
  const { head, refs } = listing;
  if (head && 'symref' in head) {
    const target = refs.find((ref) => ref.name === head.symref);
    if (symref && target) text += `ref: ${head.symref}\tHEAD\n`;
    if (target) text += `${target.oid}\tHEAD\n`;
  } else if (head) text += `${head.oid}\tHEAD\n`;
  for (const ref of refs) {
    text += `${ref.oid}\t${ref.name}\n`;
    if (ref.peeled) text += `${ref.peeled}\t${ref.name}^{}\n`;
  }
  return text;
}

async function listSource(url: string, settings: ReturnType<typeof resolveSettings>, signal: AbortSignal): Promise<RefListing> {
  const transport = await openTransport(url, { headers: settings.header, netrc: settings.netrc, timeout: settings.timeout, retries: settings.retries });
  const { refs, head } = await transport.listRefs({ signal });
  return { head, refs };
}

async function listMirror(url: string, settings: ReturnType<typeof resolveSettings>, signal: AbortSignal): Promise<RefListing> {
  const storage = await openStorage(url, targetOptions(settings));
  const [infoRefs, head] = await Promise.all([readOptional(storage, 'info/refs', signal), readOptional(storage, 'HEAD', signal)]);
  const refs = infoRefs === undefined ? [] : parseInfoRefs(infoRefs);
  const symref = head && /^ref: (\S+)/.exec(head)?.[1];
  return { head: symref ? { symref } : head?.trim() ? { oid: head.trim() } : undefined, refs };
}

function redacted(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.password ? parsed.href : url;
  } catch {
    return url;
  }
}
