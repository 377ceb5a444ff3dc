export { createMemoryStorage, MemoryStorage } from './memory/memory-storage.js';
