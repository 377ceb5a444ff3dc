export { createFsStorage, FsStorage, type FsStorageOptions } from './fs/fs-storage.js';
export type { LockTiming } from './fs/key-lock.js';
