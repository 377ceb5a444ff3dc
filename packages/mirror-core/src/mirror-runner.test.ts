import { describe, expect, it } from 'vitest';
import { AbortedError } from './errors.js';
import { MIN_REPOSITORY_BUDGET } from './memory-plan.js';
import type { mirrorRepo, MirrorResult } from './mirror-repo.js';
import { MirrorRunner } from './mirror-runner.js';

/** A stand-in for mirrorRepo whose syncs end when the test says, recording what each was granted. */
function controlledSyncs() {
  const started: { source: string; memoryBudget: number; finish: () => void; fail: (error: Error) => void }[] = [];
  const mirrorOne = ((source: string, target: string, options: { memoryBudget?: number }) =>
    new Promise<MirrorResult>((resolve, reject) => {
      const result = { source, target, upToDate: true, created: [], updated: [], deleted: [], protocolVersion: 2, durationMs: 0 } as MirrorResult;
      started.push({ source, memoryBudget: options.memoryBudget ?? 0, finish: () => resolve(result), fail: reject });
    })) as unknown as typeof mirrorRepo;
  return { started, mirrorOne };
}

/** A few turns of the event loop: the memory pool grants shares in the turn after they are asked for. */
async function turn(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
}

describe('MirrorRunner', () => {
  it('runs at most `concurrency` syncs, the next one as soon as one ends, first come first served', async () => {
    const { started, mirrorOne } = controlledSyncs();
    const runner = new MirrorRunner({ concurrency: 2, memoryBudget: 4 * MIN_REPOSITORY_BUDGET }, mirrorOne);
    const runs = ['a', 'b', 'c', 'd'].map((name) => runner.run([name, `/mirrors/${name}`]));
    await turn();
    expect(started.map((sync) => sync.source)).toEqual(['a', 'b']);
    expect([runner.active, runner.waiting]).toEqual([2, 2]);
    started[1]!.finish();
    await runs[1];
    await turn();
    expect(started.map((sync) => sync.source)).toEqual(['a', 'b', 'c']);
    started[0]!.fail(new Error('source gone'));
    await expect(runs[0]).rejects.toThrow('source gone');
    await turn();
    expect(started.map((sync) => sync.source)).toEqual(['a', 'b', 'c', 'd']);
    started[2]!.finish();
    started[3]!.finish();
    await Promise.all([runs[2], runs[3]]);
    expect([runner.active, runner.waiting]).toEqual([0, 0]);
  });

  it('gives a lone sync the whole budget and splits it between syncs that start together', async () => {
    const { started, mirrorOne } = controlledSyncs();
    const budget = 4 * MIN_REPOSITORY_BUDGET;
    const runner = new MirrorRunner({ concurrency: 4, memoryBudget: budget }, mirrorOne);
    const lone = runner.run(['lone', '/m/lone']);
    await turn();
    expect(started[0]!.memoryBudget).toBe(budget);
    started[0]!.finish();
    await lone;
    const pair = [runner.run(['x', '/m/x']), runner.run(['y', '/m/y'])];
    await turn();
    expect(started.slice(1).map((sync) => sync.memoryBudget)).toEqual([budget / 2, budget / 2]);
    started.slice(1).forEach((sync) => sync.finish());
    await Promise.all(pair);
  });

  it('lets a waiting sync be aborted without taking a slot', async () => {
    const { started, mirrorOne } = controlledSyncs();
    const runner = new MirrorRunner({ concurrency: 1 }, mirrorOne);
    const first = runner.run(['a', '/m/a']);
    const controller = new AbortController();
    const second = runner.run(['b', '/m/b'], { signal: controller.signal });
    await turn();
    controller.abort();
    await expect(second).rejects.toBeInstanceOf(AbortedError);
    expect(runner.waiting).toBe(0);
    const third = runner.run(['c', '/m/c']);
    started[0]!.finish();
    await first;
    await turn();
    expect(started.map((sync) => sync.source)).toEqual(['a', 'c']);
    started[1]!.finish();
    await third;
  });
});
