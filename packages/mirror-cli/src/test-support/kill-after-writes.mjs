// Preloaded (node --import) into the built CLI by kill-sync.e2e.test.ts: the process SIGKILLs itself right after its
// GITMIRROR_TEST_KILL_AFTER_WRITES-th completed write to a folder target (put, move, copy, delete) or an S3 target
// (any request that writes, each part of a multipart upload included), the way a crash or `kill -9` would stop it.
// With GITMIRROR_TEST_KILL_AFTER_WRITES=mid-pack it dies instead in the middle of a folder put of the temporary
// pack, once its first chunk is written.
import { FsStorage } from '@gitmirror/dumb-storage/fs';
import { S3Client } from '@aws-sdk/client-s3';

const killAfter = Number(process.env.GITMIRROR_TEST_KILL_AFTER_WRITES);
let writes = 0;
const counted = () => {
  if (++writes === killAfter) process.kill(process.pid, 'SIGKILL');
};

async function* dyingAfterFirstChunk(body) {
  let chunks = 0;
  for await (const chunk of body instanceof Uint8Array ? [body] : body) {
    if (chunks++ === 1) process.kill(process.pid, 'SIGKILL');
    yield chunk;
  }
}

if (process.env.GITMIRROR_TEST_KILL_AFTER_WRITES === 'mid-pack') {
  const put = FsStorage.prototype.put;
  FsStorage.prototype.put = function (key, body, options) {
    return put.call(this, key, key.startsWith('objects/pack/tmp_pack_') ? dyingAfterFirstChunk(body) : body, options);
  };
}

for (const method of ['put', 'move', 'copy', 'delete']) {
  const original = FsStorage.prototype[method];
  FsStorage.prototype[method] = async function (...args) {
    const result = await original.apply(this, args);
    counted();
    return result;
  };
}

const send = S3Client.prototype.send;
S3Client.prototype.send = async function (command, ...rest) {
  const result = await send.call(this, command, ...rest);
  if (/^(Put|Create|Upload|Complete|Copy|Delete|Abort)/.test(command.constructor.name)) counted();
  return result;
};
