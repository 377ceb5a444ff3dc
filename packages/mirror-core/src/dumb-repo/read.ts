import { isStorageError, type Storage } from '@gitmirror/dumb-storage';

/** Reads a whole object of the storage. */
export async function readWhole(storage: Storage, key: string, signal?: AbortSignal): Promise<Buffer> {
  const { body } = await storage.get(key, { signal });
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** Reads a whole text object, `undefined` when it does not exist (a missing bucket is an error, not a missing object). */
export async function readOptional(storage: Storage, key: string, signal?: AbortSignal): Promise<string | undefined> {
  try {
    return (await readWhole(storage, key, signal)).toString('utf8');
  } catch (error) {
    if (isStorageError(error, 'OBJECT_NOT_FOUND')) return undefined;
    throw error;
  }
}
