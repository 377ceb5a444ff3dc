import type { Storage } from '@gitmirror/dumb-storage';
import { checkConnectivity, checkHaves } from '../dumb-repo/connectivity.js';
import { parseHead } from '../dumb-repo/head.js';
import { isUpToDate, planSync, type SyncPlan } from '../dumb-repo/plan.js';
import { publish } from '../dumb-repo/publish.js';
import { repackDumbMirror } from '../dumb-repo/repack.js';
import { readTargetStateAndRecover } from '../dumb-repo/recover.js';
import { storePack, type StoredPack } from '../dumb-repo/store-pack.js';
import type { TargetState } from '../dumb-repo/target-state.js';
import { ConflictError } from '../errors.js';
import type { RepositoryMemoryPlan } from '../memory-plan.js';
import type { AppliedPlan, ApplyOptions, MirrorTarget, SourceSnapshot, TargetKind, TargetPlan, TargetRefs } from './mirror-target.js';

/** What {@link DumbTarget} needs besides its storage. */
export interface DumbTargetSettings {
  kind: Exclude<TargetKind, 'git'>;
  /** Whether publishing also writes what makes the folder a bare repository. */
  bareRepository: boolean;
  /** How the repository's memory is split while its pack streams in. */
  memory: RepositoryMemoryPlan;
  leftoverGraceMs?: number;
  /** Merge packs by the geometric policy after a sync that added one, rewriting at most `maxBytes`; off when absent. */
  autoRepack?: { maxBytes: number };
}

const NOTHING_READ_BACK = { requests: 0, bytes: 0, passes: 0 };

/**
 * A dumb repository over a {@link Storage}: its state is `info/refs`, `objects/info/packs`, `HEAD` and the version of
 * `packed-refs`; a sync stores the fetched pack under a temporary key while indexing it, checks that the mirror will be
 * complete, then publishes in the order that never shows a reader a ref to a missing object.
 */
export class DumbTarget implements MirrorTarget {
  readonly kind: Exclude<TargetKind, 'git'>;
  readonly bareRepository: boolean;
  readonly indexesPacks = true;
  readonly #storage: Storage;
  readonly #settings: DumbTargetSettings;
  #state?: TargetState;
  #planned?: { plan: SyncPlan; present: ReadonlySet<string> };

  constructor(storage: Storage, settings: DumbTargetSettings) {
    this.#storage = storage;
    this.#settings = settings;
    this.kind = settings.kind;
    this.bareRepository = settings.bareRepository;
  }

  get url(): string {
    return this.#storage.url;
  }

  async readRefs(options: { dryRun?: boolean; signal?: AbortSignal } = {}): Promise<TargetRefs> {
    this.#state = await readTargetStateAndRecover(this.#storage, { ...options, leftoverGraceMs: this.#settings.leftoverGraceMs });
    return { refs: this.#state.refs, head: this.#state.head === undefined ? undefined : parseHead(this.#state.head) };
  }

  async plan(source: SourceSnapshot, options: { dryRun?: boolean; signal?: AbortSignal } = {}): Promise<TargetPlan> {
    if (!this.#state) await this.readRefs(options);
    const state = this.#state!;
    let plan = planSync({ refs: [...source.refs], head: source.head }, state);
    let present: ReadonlySet<string> = new Set();
    // Only a sync that writes checks the target: a no-op sync stays a few reads and no write.
    if (!isUpToDate(plan) && !options.dryRun) ({ plan, present } = await checkHaves(this.#storage, state, plan, options.signal));
    this.#planned = { plan, present };
    return {
      upToDate: isUpToDate(plan),
      created: plan.created,
      updated: plan.updated,
      deleted: plan.deleted,
      wants: plan.wants,
      haves: plan.haves,
      thin: false,
    };
  }

  /**
   * Stores `pack` (none is written for a pack without objects), checks connectivity, then publishes.
   * @throws IncompleteFetchError when the mirror would lack objects its refs need; nothing is published then.
   */
  async apply(_plan: TargetPlan, pack: AsyncIterable<Uint8Array> | undefined, options: ApplyOptions): Promise<AppliedPlan> {
    const storage = this.#storage;
    const state = this.#state!;
    const { plan, present } = this.#planned!;
    const { signal } = options;
    const emit = options.onProgress ?? (() => {});
    let stored: StoredPack | undefined;
    if (pack) stored = await storePack(storage, pack, { memory: this.#settings.memory, signal, onProgress: (progress) => emit({ type: 'pack-progress', progress }) });
    try {
      await checkConnectivity(storage, state.packs, plan.refs, stored?.idx, { source: options.source, present, external: stored?.links?.external, signal });
    } catch (error) {
      if (stored) await storage.delete([stored.tempKey]).catch(() => {});
      throw error;
    }
    emit({ type: 'phase', phase: 'publishing' });
    await publish(storage, state, plan, stored, { bareRepo: this.bareRepository, signal });
    const applied: AppliedPlan = {
      pack: stored && { name: stored.packFileName, objects: stored.objectCount, bytes: stored.packSize },
      readBack: stored?.readBack ?? NOTHING_READ_BACK,
    };
    const { autoRepack } = this.#settings;
    if (!stored || !autoRepack) return applied;
    emit({ type: 'phase', phase: 'repacking' });
    const memoryBudget = this.#settings.memory.total;
    try {
      const repack = await repackDumbMirror(storage, { maxBytes: autoRepack.maxBytes, memoryBudget, leftoverGraceMs: this.#settings.leftoverGraceMs, signal });
      return repack.pack ? { ...applied, repack } : applied;
    } catch (error) {
      // Another writer compacted the same packs first: the sync itself is published, and the mirror compacted.
      if (error instanceof ConflictError) return applied;
      throw error;
    }
  }

  async close(): Promise<void> {}
}
