const textNames = new Set(['HEAD', 'packed-refs', 'description']);
const textPaths = ['info/refs', 'objects/info/packs', 'objects/info/alternates', 'objects/info/http-alternates'];

const byExtension: Record<string, string> = {
  json: 'application/json',
  html: 'text/html; charset=utf-8',
  txt: 'text/plain; charset=utf-8',
};

const plainText = 'text/plain; charset=utf-8';

function endsWithPath(key: string, path: string): boolean {
  return key === path || key.endsWith(`/${path}`);
}

/**
 * The MIME type to store a key of a dumb git repository with: one that git (which ignores it) and browsers both
 * accept. Text for `HEAD`, refs, `info/refs` and `objects/info/*`; `application/octet-stream` for packs, indexes
 * and loose objects; never `application/x-git-*` (those belong to the smart protocol).
 */
export function contentTypeForKey(key: string): string {
  const name = key.slice(key.lastIndexOf('/') + 1);
  if (textNames.has(name) || textPaths.some((path) => endsWithPath(key, path))) return plainText;
  if (key.startsWith('refs/') || key.includes('/refs/')) return plainText;
  const dot = name.lastIndexOf('.');
  return (dot > 0 && byExtension[name.slice(dot + 1)]) || 'application/octet-stream';
}
