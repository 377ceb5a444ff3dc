import { pino, type Logger } from 'pino';
import type { TextOutput } from '../io.js';

/** Fields of one log event of `serve`. */
export interface LogFields {
  mirror?: string;
  phase?: string;
  durationMs?: number;
  code?: string;
  [key: string]: unknown;
}

/**
 * One JSON line per event on `output` (pino: `level`, `time`, `msg` and the fields), or, on a terminal, a human line:
 * `12:00:01 mirror-a  synced in 1.2 s`.
 */
export function createServeLogger(output: TextOutput): Logger {
  if (!output.isTTY) return pino({ base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, { write: (line: string) => output.write(line) });
  return pino({ base: undefined }, { write: (line: string) => output.write(humanLine(JSON.parse(line) as Record<string, unknown>)) });
}

function humanLine(event: Record<string, unknown>): string {
  const { time, level, msg, mirror, durationMs, code, ...rest } = event;
  const clock = new Date(Number(time)).toISOString().slice(11, 19);
  const label = typeof level === 'number' && level >= 50 ? 'error ' : typeof level === 'number' && level >= 40 ? 'warn  ' : '';
  const extra = Object.entries(rest).map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  const parts = [clock, label + (mirror ? `${String(mirror)}  ` : '') + String(msg), durationMs !== undefined ? `(${(Number(durationMs) / 1000).toFixed(1)} s)` : '', code ? `[${String(code)}]` : '', ...extra];
  return `${parts.filter(Boolean).join(' ')}\n`;
}
