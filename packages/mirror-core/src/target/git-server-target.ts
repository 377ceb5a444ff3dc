import { PackMeter } from '@gitmirror/git-pack-stream';
import { PushRejectedError, type RefUpdateResult } from '../errors.js';
import { planPush, type PushPlan } from '../push/plan-push.js';
import type { ReceivePackClient, ReceivePackRefs } from '../push/receive-pack-client.js';
import { sanitizeServerText } from '../server-text.js';
import type { AppliedPlan, ApplyOptions, MirrorTarget, SourceSnapshot, TargetPlan, TargetRefs } from './mirror-target.js';

/**
 * A git server written by pushing: the plan compares both sides' refs (the target's refs outside the filters are left
 * alone), fetches only what the target lacks (its tips and `.have`s as haves, thin unless it says `no-thin`), and the
 * pack streams from the source straight into the receive-pack request, keeping nothing.
 */
export class GitServerTarget implements MirrorTarget {
  readonly kind = 'git';
  readonly bareRepository = false;
  readonly indexesPacks = false;
  readonly #client: ReceivePackClient;
  readonly #atomic: boolean | undefined;
  #advertised?: ReceivePackRefs;
  #plan?: PushPlan;

  constructor(client: ReceivePackClient, options: { atomic?: boolean } = {}) {
    this.#client = client;
    this.#atomic = options.atomic;
  }

  get url(): string {
    return this.#client.url;
  }

  async readRefs(options: { signal?: AbortSignal } = {}): Promise<TargetRefs> {
    this.#advertised = await this.#client.listRefs({ signal: options.signal });
    return { refs: this.#advertised.refs };
  }

  async plan(source: SourceSnapshot): Promise<TargetPlan> {
    if (!this.#advertised) await this.readRefs();
    const advertised = this.#advertised!;
    const known = [...advertised.refs.map((ref) => ref.oid), ...advertised.extraHaves];
    const plan = planPush(source.refs, advertised.refs.filter((ref) => source.accept(ref.name)), known);
    this.#plan = plan;
    return {
      upToDate: plan.commands.length === 0,
      created: plan.created,
      updated: plan.updated,
      deleted: plan.deleted,
      wants: plan.wants,
      haves: plan.haves,
      thin: !advertised.capabilities.has('no-thin'),
    };
  }

  /**
   * Pushes the plan's ref commands with `pack`; the phase turns to publishing once the pack has gone through.
   * @throws PushRejectedError when the target refuses refs; the source's own error when its pack fails midway.
   */
  async apply(_plan: TargetPlan, pack: AsyncIterable<Uint8Array> | undefined, options: ApplyOptions): Promise<AppliedPlan> {
    const plan = this.#plan!;
    const emit = options.onProgress ?? (() => {});
    const meter = new PackMeter();
    const onProgress = (message: string) => emit({ type: 'remote-progress', message: sanitizeServerText(message) });
    let results: RefUpdateResult[];
    try {
      const measured = pack && meter.measure(pack, () => emit({ type: 'phase', phase: 'publishing' }));
      if (!measured) emit({ type: 'phase', phase: 'publishing' });
      results = await this.#client.push({ commands: plan.commands, pack: measured, atomic: this.#atomic, onProgress, signal: options.signal });
    } catch (error) {
      throw meter.failure?.error ?? error;
    }
    const rejected = results.filter((ref) => !ref.ok);
    if (rejected.length > 0) {
      const list = rejected.map((ref) => `${sanitizeServerText(ref.name)} (${explain(ref.reason ?? 'rejected')})`).join(', ');
      const noun = rejected.length === 1 ? 'ref' : 'refs';
      throw new PushRejectedError(`${this.url}: the target refused ${rejected.length} ${noun}: ${list}`, results);
    }
    return { pack: meter.objects > 0 ? { name: `pack-${meter.checksum}.pack`, objects: meter.objects, bytes: meter.bytes } : undefined };
  }

  close(): Promise<void> {
    return this.#client.close();
  }
}

/** The target's reason, with the setting behind it when git's wording is known. */
function explain(reason: string): string {
  if (/deny deleting current branch|deletion of the current branch prohibited/.test(reason)) return `${reason}: the target's receive.denyDeleteCurrent`;
  if (/non-fast-forward|fast-forwards/.test(reason)) return `${reason}: the target's receive.denyNonFastForwards refuses force pushes`;
  if (/atomic/.test(reason)) return `${reason}: not updated because another ref was refused and the push is atomic`;
  if (/hook declined/.test(reason)) return `${reason}: a server hook refused it`;
  return reason;
}
