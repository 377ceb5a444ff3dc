import { listingLimitsFor } from '@gitmirror/git-pktline';
import { describe, expect, it } from 'vitest';
import {
  MEMORY_SHARES,
  MIN_PROCESS_MEMORY,
  MIN_REPOSITORY_BUDGET,
  minimumCeiling,
  planProcessMemory,
  planRepositoryMemory,
  RUNTIME_COST,
  S3_RUNTIME_COST,
} from './memory-plan.js';
import { planSourceLimits } from './transport/source-limits.js';

const MiB = 1024 * 1024;

describe('planRepositoryMemory', () => {
  it('gives a folder target the tee, its write buffer, a quarter of the rest for the pack copy and the remainder to the indexer', () => {
    const plan = planRepositoryMemory(200 * MiB, { s3: false });
    expect(plan).toEqual({ total: 200 * MiB, tee: 2 * MiB, upload: undefined, writeBuffer: MiB, packCopy: 197 * MiB / 4, indexer: (197 * MiB * 3) / 4 });
  });

  it('takes the S3 part buffers out of the share: one part in flight under small shares, two above', () => {
    const small = planRepositoryMemory(MIN_REPOSITORY_BUDGET, { s3: true });
    expect(small.upload).toEqual({ partSize: 5 * MiB, queueSize: 1, bytes: 10 * MiB });
    expect(small.tee).toBe(MIN_REPOSITORY_BUDGET / 64);
    const large = planRepositoryMemory(256 * MiB, { s3: true });
    expect(large.upload).toEqual({ partSize: 5 * MiB, queueSize: 2, bytes: 15 * MiB });
    expect(planRepositoryMemory(256 * MiB, { s3: true, upload: { partSize: 8 * MiB, queueSize: 4 } }).upload?.bytes).toBe(40 * MiB);
  });

  it('never plans more than the share', () => {
    for (const total of [0, 1, 10 * MiB, MIN_REPOSITORY_BUDGET, 97 * MiB + 3, 4096 * MiB]) {
      for (const s3 of [false, true]) {
        const plan = planRepositoryMemory(total, { s3 });
        const spent = plan.tee + (plan.upload?.bytes ?? 0) + (plan.writeBuffer ?? 0) + plan.packCopy + plan.indexer;
        if (total >= MIN_REPOSITORY_BUDGET) expect(spent).toBe(total);
        else expect(plan.packCopy + plan.indexer).toBe(Math.max(Math.floor(total / 2), s3 ? 0 : total - plan.tee - plan.writeBuffer!));
      }
    }
  });
});

describe('MEMORY_SHARES', () => {
  it('are the fractions the plans split by', () => {
    expect(MEMORY_SHARES).toEqual({ repositories: 1 / 2, tee: 1 / 64, packFloor: 1 / 2, packCopy: 1 / 4, sourceRefs: 1 / 2 });
    const plan = planRepositoryMemory(64 * MiB, { s3: false });
    expect(plan.tee).toBe(64 * MiB * MEMORY_SHARES.tee);
    expect(plan.packCopy).toBe(Math.floor((plan.packCopy + plan.indexer) * MEMORY_SHARES.packCopy));
    expect(planProcessMemory(RUNTIME_COST + 64 * MiB, { s3: false }).repositories).toBe(64 * MiB * MEMORY_SHARES.repositories);
    expect(planSourceLimits(256 * MiB).maxRefs).toBe(listingLimitsFor(256 * MiB * MEMORY_SHARES.sourceRefs).maxRefs);
  });
});

describe('planProcessMemory', () => {
  it('keeps the runtime (and the AWS SDK when S3 may be used) and some slack out of what repositories share', () => {
    const folder = planProcessMemory(256 * MiB, { s3: false });
    expect(folder.runtime).toBe(RUNTIME_COST);
    expect(folder.runtime + folder.slack + folder.repositories).toBe(256 * MiB);
    expect(folder.repositories).toBe((256 * MiB - RUNTIME_COST) / 2);
    const s3 = planProcessMemory(256 * MiB, { s3: true });
    expect(s3.runtime).toBe(RUNTIME_COST + S3_RUNTIME_COST);
    expect(s3.repositories).toBeLessThan(folder.repositories);
    expect(planProcessMemory(10 * MiB, { s3: false })).toEqual({ runtime: RUNTIME_COST, slack: 0, repositories: 0 });
  });

  it('leaves one repository its floor at the smallest ceiling, and not a MiB below', () => {
    expect(minimumCeiling({ s3: false })).toBe(MIN_PROCESS_MEMORY);
    expect(MIN_PROCESS_MEMORY % MiB).toBe(0);
    for (const s3 of [false, true]) {
      const minimum = minimumCeiling({ s3 });
      expect(planProcessMemory(minimum, { s3 }).repositories).toBeGreaterThanOrEqual(MIN_REPOSITORY_BUDGET);
      expect(planProcessMemory(minimum - MiB, { s3 }).repositories).toBeLessThan(MIN_REPOSITORY_BUDGET);
    }
  });
});
