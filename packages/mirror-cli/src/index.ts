export { buildCli } from './cli.js';
export { main } from './main.js';
export { verifyMirror } from './verify/verify-mirror.js';
export type { Finding, VerifyOptions, VerifyReport } from './verify/verify-mirror.js';
export type { MirrorReport, RepositoryReport } from './report/json-report.js';
