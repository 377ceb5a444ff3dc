import type { ChildProcess } from 'node:child_process';
import { finished, spawnCli } from './cli.js';

/** The API token of the servers the tests start. */
export const TOKEN = 'api-token-for-tests';
/** The secrets of the servers the tests start, from the environment as in production. */
export const SERVE_ENV = { MIRROR_GIT_TO_S3_WEBHOOK_SECRET: 'webhook-secret-for-tests', MIRROR_GIT_TO_S3_API_TOKEN: TOKEN };

/** A running `serve`: its process, URL, JSON log lines so far, and its end. */
export interface Served {
  child: ChildProcess;
  url: string;
  logs: () => Record<string, unknown>[];
  exited: ReturnType<typeof finished>;
}

/** Starts `serve --config <config>` on a free loopback port; resolves once it listens. */
export async function startServe(config: string, extra: string[] = [], env: Record<string, string> = {}): Promise<Served> {
  const child = spawnCli(['serve', '--config', config, '--listen', '127.0.0.1:0', ...extra], { env: { ...SERVE_ENV, ...env } });
  const exited = finished(child);
  let text = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer | string) => {
      text += chunk.toString();
      const listening = /"msg":"listening"/.test(text) && /"url":"(http:\/\/[^"]+)"/.exec(text);
      if (listening) resolve(listening[1]!);
    });
    void exited.then((run) => reject(new Error(`serve exited with ${run.code} before listening:\n${run.stdout}\n${run.stderr}`)));
  });
  const logs = () =>
    text
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { child, url, logs, exited };
}

/** Requests `url` (with a bearer `token`); the status, the JSON body when there is one, and the text. */
export async function call(url: string, init: RequestInit & { token?: string } = {}): Promise<{ status: number; body: any; text: string }> {
  const headers = new Headers(init.headers);
  if (init.token) headers.set('authorization', `Bearer ${init.token}`);
  const response = await fetch(url, { ...init, headers });
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, body, text };
}

/** Polls `check` every 100 ms until it returns a value (not undefined), for at most `ms`. */
export async function eventually<T>(check: () => Promise<T | undefined>, ms = 20_000, what = 'the condition'): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

