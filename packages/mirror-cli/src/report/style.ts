/** Terminal styling, or plain text when colors are off. */
export interface Style {
  green(text: string): string;
  red(text: string): string;
  yellow(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
}

const wrap = (open: number, close: number) => (text: string) => `\x1b[${open}m${text}\x1b[${close}m`;
const plain = (text: string) => text;

/** Colors for a TTY unless `NO_COLOR` is set to anything non-empty (https://no-color.org). */
export function createStyle(isTTY: boolean, env: NodeJS.ProcessEnv): Style {
  if (!isTTY || (env.NO_COLOR ?? '') !== '') return { green: plain, red: plain, yellow: plain, dim: plain, bold: plain };
  return { green: wrap(32, 39), red: wrap(31, 39), yellow: wrap(33, 39), dim: wrap(2, 22), bold: wrap(1, 22) };
}
