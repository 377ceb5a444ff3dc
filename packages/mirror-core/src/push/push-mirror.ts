import { PushRejectedError, type RefUpdateResult } from '../errors.js';
import type { MirrorOptions, MirrorResult } from '../mirror-repo.js';
import { createRefFilter } from '../ref-filter.js';
import { checkAdvertisedRefs } from '../refs.js';
import { sanitizeServerText } from '../server-text.js';
import type { Transport } from '../transport/transport.js';
import { PackMeter } from './pack-meter.js';
import { planPush } from './plan-push.js';
import type { ReceivePackClient } from './receive-pack-client.js';

/**
 * Mirrors `transport`'s refs into a git server by pushing: reads both sides' refs, fetches from the source only what
 * the target lacks (the target's tips as haves, thin unless the target says `no-thin`) and streams that pack straight
 * into the target's receive-pack request, keeping nothing. Nothing changed → no fetch and no push.
 * @throws PushRejectedError when the target refuses refs; the source's own error when its pack fails midway.
 */
export async function pushMirror(transport: Transport, target: ReceivePackClient, options: MirrorOptions): Promise<MirrorResult> {
  const started = performance.now();
  const { signal } = options;
  const emit = options.onProgress ?? (() => {});
  emit({ type: 'phase', phase: 'listing-refs' });
  const [targetRefs, advertised] = await Promise.all([target.listRefs({ signal }), transport.listRefs({ signal })]);
  const accept = createRefFilter(options);
  checkAdvertisedRefs(transport.url, advertised, accept);
  const known = [...targetRefs.refs.map((ref) => ref.oid), ...targetRefs.extraHaves];
  const plan = planPush(
    advertised.refs.filter((ref) => accept(ref.name)),
    targetRefs.refs.filter((ref) => accept(ref.name)),
    known,
  );
  const meter = new PackMeter();
  const result = (): MirrorResult => ({
    source: transport.url,
    target: target.url,
    upToDate: plan.commands.length === 0,
    created: plan.created,
    updated: plan.updated,
    deleted: plan.deleted,
    pack: meter.objects > 0 ? { name: `pack-${meter.checksum}.pack`, objects: meter.objects, bytes: meter.bytes } : undefined,
    protocolVersion: advertised.protocolVersion,
    durationMs: performance.now() - started,
  });
  if (plan.commands.length === 0 || options.dryRun) {
    emit({ type: 'phase', phase: 'done' });
    return result();
  }

  const fetchControl = new AbortController();
  const stopFetch = () => fetchControl.abort(signal?.reason);
  signal?.addEventListener('abort', stopFetch, { once: true });
  const onProgress = (message: string) => emit({ type: 'remote-progress', message: sanitizeServerText(message) });
  let results: RefUpdateResult[];
  try {
    let pack: AsyncIterable<Uint8Array> | undefined;
    if (plan.wants.length > 0) {
      emit({ type: 'phase', phase: 'fetching' });
      const stream = await transport.fetch({
        wants: plan.wants,
        haves: plan.haves,
        thin: !targetRefs.capabilities.has('no-thin'),
        signal: fetchControl.signal,
        onProgress,
      });
      pack = meter.measure(stream, () => emit({ type: 'phase', phase: 'publishing' }));
    } else {
      emit({ type: 'phase', phase: 'publishing' });
    }
    results = await target.push({ commands: plan.commands, pack, atomic: options.atomic, onProgress, signal });
  } catch (error) {
    throw meter.failure?.error ?? error;
  } finally {
    stopFetch();
    signal?.removeEventListener('abort', stopFetch);
  }
  const rejected = results.filter((ref) => !ref.ok);
  if (rejected.length > 0) {
    const list = rejected.map((ref) => `${sanitizeServerText(ref.name)} (${explain(ref.reason ?? 'rejected')})`).join(', ');
    const noun = rejected.length === 1 ? 'ref' : 'refs';
    throw new PushRejectedError(`${target.url}: the target refused ${rejected.length} ${noun}: ${list}`, results);
  }
  emit({ type: 'phase', phase: 'done' });
  return result();
}

/** The target's reason, with the setting behind it when git's wording is known. */
function explain(reason: string): string {
  if (/deny deleting current branch|deletion of the current branch prohibited/.test(reason)) return `${reason}: the target's receive.denyDeleteCurrent`;
  if (/non-fast-forward|fast-forwards/.test(reason)) return `${reason}: the target's receive.denyNonFastForwards refuses force pushes`;
  if (/atomic/.test(reason)) return `${reason}: not updated because another ref was refused and the push is atomic`;
  if (/hook declined/.test(reason)) return `${reason}: a server hook refused it`;
  return reason;
}
