/** Include/exclude glob lists over ref names. */
export interface RefFilterOptions {
  /** Refs to mirror; default every ref the source advertises, as `git clone --mirror` does. */
  include?: readonly string[];
  /** Refs to leave out, applied after `include`. */
  exclude?: readonly string[];
}

/**
 * Compiles a ref glob: `*` matches within one path segment, `**` across segments, `?` one character; a pattern
 * without wildcards matches that ref exactly.
 */
export function compileRefGlob(pattern: string): RegExp {
  let source = '';
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index];
    if (char === '*' && pattern[index + 1] === '*') {
      source += '.*';
      index++;
    } else if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else source += char.replace(/[\\^$.+()[\]{}|]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

/** Returns a predicate telling whether a ref name passes the include and exclude lists. */
export function createRefFilter(options: RefFilterOptions): (name: string) => boolean {
  const include = options.include?.map(compileRefGlob);
  const exclude = (options.exclude ?? []).map(compileRefGlob);
  return (name) => (!include || include.some((glob) => glob.test(name))) && !exclude.some((glob) => glob.test(name));
}
