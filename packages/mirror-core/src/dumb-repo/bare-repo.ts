/** The `config` of a bare repository, as `git init --bare` writes it on a file system with file modes. */
export const BARE_REPO_CONFIG = '[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = true\n';

/**
 * Git recognises a repository only when its `refs/` directory exists. Storage holds files, not directories, so a
 * folder mirror gets this empty placeholder (git ignores names starting with a dot inside `refs/`).
 */
const REFS_PLACEHOLDER_KEY = 'refs/heads/.keep';

/** The files that turn a dumb folder mirror into a bare repository git can use directly. */
export function bareRepoFiles(): { key: string; body: string }[] {
  return [
    { key: 'config', body: BARE_REPO_CONFIG },
    { key: REFS_PLACEHOLDER_KEY, body: '' },
  ];
}
