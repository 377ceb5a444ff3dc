/** Options of {@link refNameProblem}, as the flags of `git check-ref-format`. */
export interface RefNameOptions {
  /** Accept a name of one component (`HEAD`, `main`), as `--allow-onelevel`. Default false. */
  allowOneLevel?: boolean;
}

/** Characters git refuses anywhere in a ref name, besides controls: space, `~ ^ : ? * [ \`. */
const FORBIDDEN = new Set([' ', '~', '^', ':', '?', '*', '[', '\\']);

/**
 * Why `name` is not a valid ref name by git's rules (`git check-ref-format`, refs.c `check_refname_format`), or
 * `undefined` when it is one. Unlike git, which reads a C string, a NUL anywhere is refused rather than ending the
 * name; characters from U+0080 up are accepted as git accepts their UTF-8 bytes.
 */
export function refNameProblem(name: string, options: RefNameOptions = {}): string | undefined {
  if (name === '') return 'it is empty';
  if (name === '@') return 'it is "@"';
  const components = name.split('/');
  for (const component of components) {
    const problem = componentProblem(component);
    if (problem) return problem;
  }
  if (name.endsWith('.')) return 'it ends with "."';
  if (components.length < 2 && !options.allowOneLevel) return 'it has a single component';
  return undefined;
}

/** Whether `name` is a valid ref name by git's rules (see {@link refNameProblem}). */
export function isValidRefName(name: string, options: RefNameOptions = {}): boolean {
  return refNameProblem(name, options) === undefined;
}

/** What git's `check_refname_component` refuses in one `/`-separated component. */
function componentProblem(component: string): string | undefined {
  if (component === '') return 'it has an empty component (a leading, trailing or doubled "/")';
  let last = '';
  for (const char of component) {
    const code = char.codePointAt(0)!;
    if (code < 0x20 || code === 0x7f) return 'it contains a control character';
    if (FORBIDDEN.has(char)) return `it contains ${char === ' ' ? 'a space' : `"${char}"`}`;
    if (last === '.' && char === '.') return 'it contains ".."';
    if (last === '@' && char === '{') return 'it contains "@{"';
    last = char;
  }
  if (component.startsWith('.')) return 'a component starts with "."';
  if (component.endsWith('.lock')) return 'a component ends with ".lock"';
  return undefined;
}
