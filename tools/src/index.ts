export { commitFile, fixedGitEnv, forEachRef, git, gitAsync, tempDir } from './git-fixtures.js';
export { startGitHttpServer, type GitHttpRequest, type GitHttpServerOptions } from './git-http-server.js';
export type { RunningServer } from './listen.js';
export { createTestBucket, createTestS3Client, publicReadPolicy } from './s3-bucket.js';
export { s3TestServers, serversRequired, type S3ServerName, type S3TestServer, type S3TestServerSlot } from './s3-servers.js';
export { gitSshCommand, sshTestServer, type SshTestServer, type SshTestServerSlot } from './ssh-server.js';
export { startStaticServer, type StaticServerOptions } from './static-server.js';
export { startLatencyProxy, type LatencyProxy, type LatencyProxyCounts, type LatencyProxyOptions, type ProxiedRequest } from './latency-proxy.js';
