/// <reference lib="dom" />
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSourceRepo, tempDir } from '@gitmirror/test-servers';
import puppeteer, { type Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServe, TOKEN, type Served } from './test-support/serve.js';

/** Debian's chromium, which tools/servers/test-tools.sh installs. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Where the screenshot of the page is kept for people to look at (git ignores it). */
const SCREENSHOT = fileURLToPath(new URL('../test-results/serve-status-page.png', import.meta.url));

describe('the status page of serve, in headless chromium', () => {
  const dir = tempDir();
  let served: Served;
  let browser: Browser;

  beforeAll(async () => {
    const config = join(dir.path, 'serve.yaml');
    const mirrors = ['alpha', 'beta', 'gamma'].map((name) => {
      createSourceRepo(join(dir.path, 'repos', name));
      return `  - name: ${name}\n    source: ${join(dir.path, 'repos', name)}\n    target: ${join(dir.path, 'mirrors', name)}\n${name === 'gamma' ? '    schedule: "0 3 * * *"\n' : ''}`;
    });
    writeFileSync(config, `mirrors:\n${mirrors.join('')}`);
    served = await startServe(config);
    browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  });
  afterAll(async () => {
    await browser?.close();
    served?.child.kill('SIGKILL');
    dir.remove();
  });

  it('lists the mirrors, filters them, and its button syncs one with the token it asks for once', async () => {
    const page = await browser.newPage();
    const prompts: string[] = [];
    page.on('dialog', (dialog) => {
      prompts.push(dialog.message());
      void dialog.accept(TOKEN);
    });
    await page.goto(served.url, { waitUntil: 'load' });
    const rows = () => page.$$eval('#mirrors tr:not(.hidden)', (trs) => trs.map((tr) => (tr as HTMLElement).dataset.name));
    expect(await rows()).toEqual(['alpha', 'beta', 'gamma']);
    expect(await page.$eval('tr[data-name="gamma"] time', (time) => time.getAttribute('datetime'))).toMatch(/T03:0\d:/);

    await page.type('#filter', 'bet');
    expect(await rows()).toEqual(['beta']);
    await page.$eval('#filter', (input) => ((input as HTMLInputElement).value = ''));
    await page.type('#filter', ' ');
    expect(await rows()).toEqual(['alpha', 'beta', 'gamma']);

    const lastSuccess = () => page.$eval('tr[data-name="alpha"] td:nth-child(3)', (td) => td.textContent?.trim());
    expect(await lastSuccess()).toBe('—');
    await page.click('tr[data-name="alpha"] button.sync');
    await page.waitForFunction(() => document.getElementById('message')?.textContent === 'alpha: queued', { timeout: 10_000 });
    await page.waitForFunction(() => /ago$/.test(document.querySelector('tr[data-name="alpha"] td:nth-child(3)')?.textContent?.trim() ?? ''), { timeout: 20_000 });
    expect(await page.$eval('tr[data-name="alpha"] .state', (span) => span.textContent)).toBe('idle');

    await page.click('tr[data-name="beta"] button.sync');
    await page.waitForFunction(() => document.getElementById('message')?.textContent === 'beta: queued', { timeout: 10_000 });
    expect(prompts).toEqual(['API token (MIRROR_GIT_TO_S3_API_TOKEN)']);

    mkdirSync(join(SCREENSHOT, '..'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    console.log(`screenshot of the status page: ${SCREENSHOT}`);
  });

  it('forgets a wrong token and says so', async () => {
    const page = await browser.newPage();
    page.on('dialog', (dialog) => void dialog.accept('not-the-token'));
    await page.goto(served.url, { waitUntil: 'load' });
    await page.click('tr[data-name="alpha"] button.sync');
    await page.waitForFunction(() => /^alpha: missing or wrong bearer token$/.test(document.getElementById('message')?.textContent ?? ''), { timeout: 10_000 });
    expect(await page.evaluate(() => sessionStorage.getItem('gitmirror-token'))).toBeNull();
  });
});
