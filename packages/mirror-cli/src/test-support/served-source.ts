import { join } from 'node:path';
import { createSourceRepo, startGitHttpServer, tempDir } from '@gitmirror/test-servers';
import { afterAll, beforeAll } from 'vitest';

/**
 * For a describe block: a source repository `one` (`createSourceRepo`) in a temporary folder, served over smart HTTP
 * by `git http-backend`, made in `beforeAll` when `enabled` (an S3 server is there), removed in `afterAll`.
 */
export function servedSourceRepo(enabled: boolean): { dir: string; path: string; url: () => string } {
  const dir = tempDir();
  let server: { url: string; close(): Promise<void> } | undefined;
  beforeAll(async () => {
    if (!enabled) return;
    createSourceRepo(join(dir.path, 'repos', 'one'));
    server = await startGitHttpServer({ projectRoot: join(dir.path, 'repos') });
  });
  afterAll(async () => {
    await server?.close();
    dir.remove();
  });
  return { dir: dir.path, path: join(dir.path, 'repos', 'one'), url: () => `${server!.url}/one` };
}
