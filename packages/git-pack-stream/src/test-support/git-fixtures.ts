import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { git, gitBytes, tempDir } from '@gitmirror/test-servers';

/** A deterministic pseudo-random generator (mulberry32). */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

export interface RepoShape {
  files: number;
  commits: number;
  /** Approximate bytes per text file. */
  fileSize: number;
  seed?: number;
  /** Extra incompressible blobs of these sizes, added in the first commit. */
  bigBlobs?: number[];
}

const words = 'alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma tau'.split(' ');

/**
 * Creates a bare repository in `dir` whose text files evolve by small edits over `commits` commits,
 * so that packing it yields long delta chains. Uses `git fast-import`.
 */
export function makeRepo(dir: string, shape: RepoShape): void {
  const next = random(shape.seed ?? 1);
  const line = () => Array.from({ length: 4 + Math.floor(next() * 8) }, () => words[Math.floor(next() * words.length)]).join(' ');
  const files = Array.from({ length: shape.files }, () => {
    const lines: string[] = [];
    for (let size = 0; size < shape.fileSize; size += lines.at(-1)!.length + 1) lines.push(line());
    return lines;
  });
  const chunks: Buffer[] = [];
  const data = (bytes: Buffer) => chunks.push(Buffer.from(`data ${bytes.length}\n`), bytes, Buffer.from('\n'));
  for (let c = 0; c < shape.commits; c++) {
    chunks.push(Buffer.from(`commit refs/heads/main\ncommitter Test <test@example.com> ${1_700_000_000 + c * 60} +0000\n`));
    data(Buffer.from(`commit ${c}\n`));
    for (let f = 0; f < files.length; f++) {
      if (c > 0 && next() < 0.5) continue;
      const lines = files[f]!;
      for (let edits = 1 + Math.floor(next() * 3); edits > 0; edits--) {
        const at = Math.floor(next() * lines.length);
        if (next() < 0.5) lines[at] = line();
        else lines.splice(at, 0, line());
      }
      chunks.push(Buffer.from(`M 100644 inline dir${f % 7}/file${f}.txt\n`));
      data(Buffer.from(lines.join('\n') + '\n'));
    }
    if (c === 0) {
      for (const [b, size] of (shape.bigBlobs ?? []).entries()) {
        const bytes = Buffer.alloc(size);
        for (let i = 0; i < size; i += 4) bytes.writeUInt32LE(Math.floor(next() * 2 ** 32), i);
        chunks.push(Buffer.from(`M 100644 inline big${b}.bin\n`));
        data(bytes);
      }
    }
  }
  git('.', 'init', '--quiet', '--bare', dir);
  gitBytes(dir, ['fast-import', '--quiet'], { input: Buffer.concat(chunks) });
}

/** Packs all objects of `repo` with `git pack-objects`, passing `args`; returns the pack bytes. */
export function packObjects(repo: string, args: string[]): Buffer {
  return gitBytes(repo, ['pack-objects', '--all', '--stdout', '--quiet', ...args]);
}

/** Runs `git index-pack` on `pack` with extra `args`; returns the .idx bytes. */
export function gitIndexPack(pack: Uint8Array, args: string[] = []): Buffer {
  const dir = tempDir('git-index-pack-');
  try {
    const packPath = join(dir.path, 'test.pack');
    const idxPath = join(dir.path, 'test.idx');
    writeFileSync(packPath, pack);
    gitBytes(dir.path, ['index-pack', ...args, '-o', idxPath, packPath]);
    return readFileSync(idxPath);
  } finally {
    dir.remove();
  }
}

/** Yields `bytes` in chunks whose sizes come from `sizes`. */
export async function* chunked(bytes: Uint8Array, sizes: () => number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; ) {
    const size = Math.max(1, sizes());
    yield bytes.subarray(at, at + size);
    at += size;
  }
}

/** A `read` callback over an in-memory pack. */
export function readFrom(pack: Uint8Array): (offset: number, length: number) => Promise<Uint8Array> {
  return async (offset, length) => pack.subarray(offset, offset + length);
}
