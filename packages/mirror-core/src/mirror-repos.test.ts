import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createMemoryStorage } from '@gitmirror/dumb-storage/memory';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MirrorOptions } from './mirror-options.js';
import type { MirrorResult } from './mirror-repo.js';
import { mirrorRepos, mirrorReposWith, type MirrorMapping } from './mirror-repos.js';
import { createSourceRepo, suiteDir } from '@gitmirror/test-servers';
import { openTransport } from './transport/open-transport.js';
import type { Transport } from './transport/transport.js';

describe('mirrorRepos', () => {
  const dir = suiteDir();
  const sources = ['one', 'two', 'three'].map((name) => join(dir.path, name));

  beforeAll(() => sources.forEach(createSourceRepo));
  afterAll(() => dir.remove());

  it('starts before the input ends, reports every failure per repository and keeps input order', async () => {
    let firstDone!: () => void;
    const gate = new Promise<void>((resolve) => (firstDone = resolve));
    async function* mappings(): AsyncGenerator<MirrorMapping> {
      yield [sources[0], createMemoryStorage()];
      await gate;
      yield [join(dir.path, 'missing'), createMemoryStorage()];
      yield [sources[1], createMemoryStorage()];
    }
    const outcomes = await mirrorRepos(mappings(), {
      concurrency: 2,
      onProgress: (event) => {
        if (event.index === 0 && event.type === 'phase' && event.phase === 'done') firstDone();
      },
    });
    expect(outcomes.map((outcome) => [outcome.index, outcome.ok])).toEqual([
      [0, true],
      [1, false],
      [2, true],
    ]);
    const failure = outcomes[1];
    expect(!failure.ok && failure.error).toMatchObject({ code: 'UPLOAD_PACK_FAILED' });
    expect(outcomes[0].ok && outcomes[0].result.created.length).toBeGreaterThan(5);
  });

  it('runs at most `concurrency` repositories at a time', async () => {
    let active = 0;
    let peak = 0;
    const slow = async (path: string): Promise<Transport> => {
      const inner = await openTransport(path);
      return {
        url: inner.url,
        listRefs: async (options) => {
          peak = Math.max(peak, ++active);
          await sleep(30);
          active--;
          return inner.listRefs(options);
        },
        fetch: (request) => inner.fetch(request),
      };
    };
    const mappings = await Promise.all([...sources, ...sources].map(async (path) => [await slow(path), createMemoryStorage()] as const));
    const outcomes = await mirrorRepos(mappings, { concurrency: 2 });
    expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
    expect(peak).toBe(2);
  });

  it('applies per-mapping options over the shared ones and reports each outcome as it ends', async () => {
    const storages = [createMemoryStorage(), createMemoryStorage()];
    const ended: number[] = [];
    const outcomes = await mirrorRepos(
      [
        [sources[0], storages[0], { include: ['refs/heads/*'] }],
        [sources[1], storages[1]],
      ],
      { include: ['refs/tags/*'], concurrency: 1, onOutcome: (outcome) => ended.push(outcome.index) },
    );
    expect(ended).toEqual([0, 1]);
    const created = outcomes.map((outcome) => (outcome.ok ? outcome.result.created : []));
    expect(created[0].length).toBeGreaterThan(0);
    expect(created[0].every((name) => name.startsWith('refs/heads/'))).toBe(true);
    expect(created[1].length).toBeGreaterThan(0);
    expect(created[1].every((name) => name.startsWith('refs/tags/'))).toBe(true);
  });

  it('never shows a source password in outcomes or errors', async () => {
    const [outcome] = await mirrorRepos([['http://ada:hunter2-secret@127.0.0.1:1/repo.git', createMemoryStorage()]], { retries: 0, netrc: false });
    expect(outcome.ok).toBe(false);
    expect(outcome.source).toBe('http://ada:***@127.0.0.1:1/repo.git');
    expect(!outcome.ok && outcome.error).toMatchObject({ code: 'CONNECTION_LOST' });
    expect(JSON.stringify(outcome) + (!outcome.ok && `${outcome.error.message}${outcome.error.stack}`)).not.toContain('hunter2');
  });

  it('aborts in-flight work through the signal without publishing', async () => {
    const controller = new AbortController();
    const storage = createMemoryStorage();
    const outcomes = await mirrorRepos([[sources[2], storage]], {
      signal: controller.signal,
      onProgress: (event) => {
        if (event.type === 'phase' && event.phase === 'fetching') controller.abort();
      },
    });
    expect(outcomes[0]).toMatchObject({ ok: false, error: { code: 'ABORTED' } });
    const keys: string[] = [];
    for await (const object of storage.list('')) keys.push(object.key);
    expect(keys).toEqual([]);
  });

  describe('memory budget', () => {
    const MiB = 1024 * 1024;

    /** A repository sync that records the budget it was granted and ends when `finish(source)` is called. */
    function heldSyncs() {
      const granted = new Map<string, number>();
      const events: string[] = [];
      const finishers = new Map<string, () => void>();
      const mirrorOne = async (source: string | Transport, target: unknown, options: MirrorOptions = {}): Promise<MirrorResult> => {
        const name = String(source);
        granted.set(name, options.memoryBudget ?? -1);
        events.push(`start ${name}`);
        await new Promise<void>((resolve) => finishers.set(name, resolve));
        events.push(`end ${name}`);
        return { source: name, target: String(target), upToDate: true, created: [], updated: [], deleted: [], protocolVersion: 2, durationMs: 0 };
      };
      const started = async (count: number) => {
        for (let tries = 0; granted.size < count; tries++) {
          if (tries > 200) throw new Error(`only ${granted.size} of ${count} syncs started`);
          await sleep(5);
        }
      };
      const finish = (name: string) => finishers.get(name)!();
      return { mirrorOne, granted, events, started, finish };
    }

    it('gives a lone repository the whole budget, even when more could run at once', async () => {
      const syncs = heldSyncs();
      async function* one(): AsyncGenerator<MirrorMapping> {
        yield ['a', 'memory:'];
      }
      const run = mirrorReposWith(syncs.mirrorOne, one(), { concurrency: 4, memoryBudget: 200 * MiB });
      await syncs.started(1);
      syncs.finish('a');
      expect((await run).map((outcome) => outcome.ok)).toEqual([true]);
      expect(syncs.granted.get('a')).toBe(200 * MiB);
    });

    it('splits the budget between the repositories that start together', async () => {
      const syncs = heldSyncs();
      const run = mirrorReposWith(syncs.mirrorOne, [['a', 'memory:'], ['b', 'memory:']], { concurrency: 4, memoryBudget: 200 * MiB });
      await syncs.started(2);
      expect([...syncs.granted.values()]).toEqual([100 * MiB, 100 * MiB]);
      syncs.finish('a');
      syncs.finish('b');
      expect((await run).every((outcome) => outcome.ok)).toBe(true);
    });

    it('makes a repository wait for its floor of 32 MiB instead of starting with less, then gives it what is free', async () => {
      const syncs = heldSyncs();
      const mappings: MirrorMapping[] = [['a', 'memory:'], ['b', 'memory:'], ['c', 'memory:']];
      const run = mirrorReposWith(syncs.mirrorOne, mappings, { concurrency: 3, memoryBudget: 80 * MiB });
      await syncs.started(2);
      await sleep(30);
      expect(syncs.events).toEqual(['start a', 'start b']);
      expect([syncs.granted.get('a'), syncs.granted.get('b')]).toEqual([32 * MiB, 32 * MiB]);
      syncs.finish('b');
      await syncs.started(3);
      expect(syncs.events).toEqual(['start a', 'start b', 'end b', 'start c']);
      expect(syncs.granted.get('c')).toBe(48 * MiB);
      syncs.finish('a');
      syncs.finish('c');
      expect((await run).map((outcome) => outcome.index)).toEqual([0, 1, 2]);
    });

    it('fails a repository still waiting for memory when the signal aborts', async () => {
      const syncs = heldSyncs();
      const controller = new AbortController();
      const run = mirrorReposWith(syncs.mirrorOne, [['a', 'memory:'], ['b', 'memory:']], { concurrency: 2, memoryBudget: 40 * MiB, signal: controller.signal });
      await syncs.started(1);
      await sleep(20);
      controller.abort();
      syncs.finish('a');
      const outcomes = await run;
      expect(outcomes[1]).toMatchObject({ ok: false, error: { code: 'ABORTED' } });
      expect(syncs.granted.has('b')).toBe(false);
    });
  });
});
