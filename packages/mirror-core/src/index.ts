export { mirrorRepo } from './mirror-repo.js';
export type { MirrorResult } from './mirror-repo.js';
export type { MirrorEvent, MirrorPhase } from './mirror-event.js';
export type { FlatMirrorOptions, MirrorOptions, SourceOptions } from './mirror-options.js';
export { mirrorRepos } from './mirror-repos.js';
export { MirrorRunner } from './mirror-runner.js';
export type { MirrorRunnerOptions, RunOptions } from './mirror-runner.js';
export { repackMirror } from './repack-mirror.js';
export type { RepackMirrorOptions, RepackMirrorResult } from './repack-mirror.js';
export type { RepackOptions, RepackProgress, RepackResult } from './dumb-repo/repack.js';
export type { MirrorMapping, MirrorMappingOptions, MirrorOutcome, MirrorReposOptions, RepoRef } from './mirror-repos.js';
export { openTarget, targetKind } from './target/open-target.js';
export type { OpenTargetOptions } from './target/open-target.js';
export type {
  AppliedPlan,
  ApplyEvent,
  ApplyOptions,
  MirrorTarget,
  PackSummary,
  ReadBackCounts,
  SourceSnapshot,
  TargetKind,
  TargetPlan,
  TargetRefs,
} from './target/mirror-target.js';
export { DEFAULT_AUTO_REPACK_MAX_BYTES } from './target/target-options.js';
export type { DumbTargetOptions, GitServerTargetOptions, TargetOptions } from './target/target-options.js';
export { AbortedError, ConflictError, IncompleteFetchError, InvalidMirrorError, InvalidRefError, InvalidUrlError, MirrorError, PushRejectedError, TransportError } from './errors.js';
export type { InvalidRefCode, MirrorErrorCode, RefUpdateResult } from './errors.js';
export { openTransport } from './transport/open-transport.js';
export type { TransportOptions } from './transport/open-transport.js';
export type { FetchRequest, SourceRefs, Transport, TransportProgress } from './transport/transport.js';
export type { HttpOptions } from './transport/http-channel.js';
export type { SshOptions } from './transport/ssh-channel.js';
export { UploadPackClient } from './transport/upload-pack-client.js';
export type { ServiceChannel } from './transport/channel.js';
export { parseInfoRefs } from './dumb-repo/info-refs.js';
export { parseHead } from './dumb-repo/head.js';
export type { Head } from './dumb-repo/head.js';
export { readMirrorRefs } from './dumb-repo/read-refs.js';
export { verifyMirror } from './dumb-repo/verify/verify-mirror.js';
export { LEFTOVER_FINDING_CODES } from './dumb-repo/verify/findings.js';
export type { VerifyFinding, VerifyFindingCode, VerifyOptions, VerifyReport } from './dumb-repo/verify/findings.js';
export type { MirrorRef } from './refs.js';
export type { RefFilterOptions } from './ref-filter.js';
export { hasUrlPassword, redactUrl } from './redact.js';
export { sanitizeServerText } from './server-text.js';
export { DEFAULT_MEMORY_BUDGET, MEMORY_SHARES, MIN_PROCESS_MEMORY, minimumCeiling, planProcessMemory } from './memory-plan.js';
