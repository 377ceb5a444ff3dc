/** The git fixtures of mirror-core's tests: the workspace's shared ones, under the names these tests import. */
export { commitFile, createKillTestSource, createSourceRepo, forEachRef, git, gitAsync, showRefs, suiteDir, tempDir } from '@gitmirror/test-servers';
