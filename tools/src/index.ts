export {
  addLargeCommit,
  commitFile,
  createBareRepo,
  createKillTestSource,
  createSourceRepo,
  forEachRef,
  showRefs,
  type ShownRef,
} from './git-fixtures.js';
export { fixedGitEnv, git, gitAsync, gitBytes, gitEnvironment, runCommand, runGit, type GitRunOptions, type RunOptions, type RunResult } from './git-run.js';
export { suiteDir, tempDir, type TempDir } from './temp-dir.js';
export { startGitHttpServer, type GitHttpRequest, type GitHttpServerOptions } from './git-http-server.js';
export type { RunningServer } from './listen.js';
export { createTestBucket, createTestS3Client, publicReadPolicy } from './s3-bucket.js';
export { s3TestServers, serversRequired, type S3ServerName, type S3TestServer, type S3TestServerSlot } from './s3-servers.js';
export { redisTestServer, type RedisTestServerSlot } from './redis-server.js';
export { gitSshCommand, sshTestServer, type SshTestServer, type SshTestServerSlot } from './ssh-server.js';
export { startStaticServer, type StaticServerOptions } from './static-server.js';
export { startLatencyProxy, type LatencyProxy, type LatencyProxyCounts, type LatencyProxyOptions, type ProxiedRequest } from './latency-proxy.js';
