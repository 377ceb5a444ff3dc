export { buildCli } from './cli.js';
export { main } from './main.js';
export { verifyMirror } from '@gitmirror/mirror-core';
export type { VerifyFinding as Finding, VerifyOptions, VerifyReport } from '@gitmirror/mirror-core';
export type { MirrorReport, RepositoryReport } from './report/json-report.js';
