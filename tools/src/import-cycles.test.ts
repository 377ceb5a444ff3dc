import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import madge from 'madge';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Every workspace (`packages/*` and `tools`) that has a `src` folder, as a path from the repository root. */
function workspaces(): string[] {
  const packages = readdirSync(join(root, 'packages')).map((name) => `packages/${name}`);
  return [...packages, 'tools'].filter((path) => existsSync(join(root, path, 'src')));
}

/**
 * The import graph of a workspace's `src` (tests and test support included): TypeScript resolution through the
 * workspace's tsconfig maps the `.js` specifiers of ESM TypeScript to their `.ts` files. `import type` counts too: it
 * is erased from the JavaScript, but a cycle of types is still two modules that cannot be read one without the other.
 */
async function importGraph(workspace: string) {
  return madge(join(root, workspace, 'src'), {
    fileExtensions: ['ts'],
    tsConfig: join(root, workspace, 'tsconfig.json'),
    detectiveOptions: { ts: { skipTypeImports: false } },
  });
}

describe('import cycles', () => {
  it.each(workspaces())('%s/src has none', { timeout: 120_000 }, async (workspace) => {
    const graph = await importGraph(workspace);
    // A relative import madge could not resolve would drop its edge, and with it any cycle through it.
    expect(graph.warnings().skipped.filter((specifier) => specifier.startsWith('.'))).toEqual([]);
    expect(Object.values(graph.obj()).some((imports) => imports.length > 0), 'the graph has edges').toBe(true);
    expect(graph.circular()).toEqual([]);
  });
});
