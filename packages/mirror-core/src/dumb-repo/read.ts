import { NotFoundError, type Storage } from '@gitmirror/dumb-storage';

/** Reads a whole object of the storage. */
export async function readWhole(storage: Storage, key: string, signal?: AbortSignal): Promise<Buffer> {
  const { body } = await storage.get(key, { signal });
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** Reads a whole text object, `undefined` when it does not exist. */
export async function readOptional(storage: Storage, key: string, signal?: AbortSignal): Promise<string | undefined> {
  try {
    return (await readWhole(storage, key, signal)).toString('utf8');
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
}
