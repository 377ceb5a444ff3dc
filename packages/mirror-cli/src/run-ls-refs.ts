import { openStorage } from '@gitmirror/dumb-storage';
import { openTransport, parseHead, parseInfoRefs, planProcessMemory, readMirrorRefs, redactUrl, sanitizeServerText, TransportError, type Head, type MirrorRef } from '@gitmirror/mirror-core';
import { commandSettings } from './config-file.js';
import type { Io } from './io.js';
import { writeCommandFailure } from './report/reporter.js';
import type { Settings } from './settings.js';
import { isS3Url, loadS3Sdk, targetOptions } from './target-options.js';

/** The refs of a repository or mirror: HEAD as a symref or a detached id, and every ref with its peeled id. */
export interface RefListing {
  head?: Head;
  refs: MirrorRef[];
}

/**
 * Lists the refs of a source (through upload-pack), of an `s3://` mirror, or of a mirror served over plain HTTP
 * (their `info/refs` and `HEAD`) and prints them as `git ls-remote` does: `<oid>\tHEAD` first, then each ref, annotated tags followed by their `^{}` line.
 */
export async function runLsRefs(flags: Record<string, unknown>, io: Io): Promise<number> {
  const url = String(flags.url);
  const settings = await commandSettings(flags, io.env);
  let listing: RefListing;
  try {
    listing = isS3Url(url) ? await listMirror(url, settings, io.signal) : await listSource(url, settings, io.signal);
  } catch (error) {
    writeCommandFailure(io, settings, `ls-refs ${redactUrl(url)}`, error as Error);
    return 1;
  }
  if (settings.json) io.stdout.write(`${JSON.stringify({ ok: true, ...listing }, null, 2)}\n`);
  else io.stdout.write(formatLsRemote(listing, settings.symref));
  return 0;
}

/** `git ls-remote` output of a listing (with `--symref`, HEAD's target first); names a server sent are shown escaped. */
export function formatLsRemote(listing: RefListing, symref: boolean): string {
  let text = '';
  const { head, refs } = listing;
  if (head && 'symref' in head) {
    const target = refs.find((ref) => ref.name === head.symref);
    if (symref && target) text += `ref: ${sanitizeServerText(head.symref)}\tHEAD\n`;
    if (target) text += `${target.oid}\tHEAD\n`;
  } else if (head) text += `${sanitizeServerText(head.oid)}\tHEAD\n`;
  for (const ref of refs) {
    const name = sanitizeServerText(ref.name);
    text += `${ref.oid}\t${name}\n`;
    if (ref.peeled) text += `${ref.peeled}\t${name}^{}\n`;
  }
  return text;
}

async function listSource(url: string, settings: Settings, signal: AbortSignal): Promise<RefListing> {
  const transport = await openTransport(url, {
    headers: settings.header,
    netrc: settings.netrc,
    timeout: settings.timeout,
    retries: settings.retries,
    // The listing limits follow the memory a sync of this source would have, as in `mirror`.
    memoryBudget: planProcessMemory(settings.maxMemory, { s3: false }).repositories,
    maxRefs: settings.maxRefs,
    maxAdvertisementBytes: settings.maxAdvertisement,
  });
  try {
    const { refs, head } = await transport.listRefs({ signal });
    return { head, refs };
  } catch (error) {
    if (!(error instanceof TransportError && error.code === 'NOT_SMART_SERVER')) throw error;
    return listDumbHttp(url, settings, signal).catch(() => Promise.reject(error));
  }
}

/** A mirror served over plain HTTP (e.g. a public bucket): its `info/refs` and `HEAD`, as a dumb-HTTP client reads them. */
async function listDumbHttp(url: string, settings: Settings, signal: AbortSignal): Promise<RefListing> {
  const base = url.replace(/\/+$/, '');
  const timeout = AbortSignal.timeout(settings.timeout ?? 120_000);
  const read = async (key: string) => {
    const response = await fetch(`${base}/${key}`, { headers: settings.header, signal: AbortSignal.any([signal, timeout]) });
    if (!response.ok) throw new Error(`GET ${key} answered HTTP ${response.status}`);
    return response.text();
  };
  const [infoRefs, head] = await Promise.all([read('info/refs'), read('HEAD').catch(() => undefined)]);
  return { head: head === undefined ? undefined : parseHead(head), refs: parseInfoRefs(infoRefs) };
}

async function listMirror(url: string, settings: Settings, signal: AbortSignal): Promise<RefListing> {
  await loadS3Sdk();
  return readMirrorRefs(await openStorage(url, targetOptions(settings)), signal);
}
