/**
 * Screenshots of the `disco-diff serve` page for docs/serve.md, in headless Chromium (Debian's
 * `chromium`, installed by scripts/setup.sh): serves each run, waits until every panel has drawn,
 * optionally sets fields (a select's option or an input's text) and clicks an element, and saves
 * the whole page as PNG.
 *   node --import tsx scripts/serve-screenshots.ts RUN OUT.png [--set SELECTOR=VALUE …] [--click SELECTOR] [RUN OUT.png …]
 * e.g. a docking run: RUN OUT.png --set '#complex=3' --set '#z-source=mode-0' --set '#n=16' --click '#sample'
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { chromium } from 'playwright-core';
import { startServer } from '../src/serve/server.js';

const args = process.argv.slice(2);
const shots: { run: string; out: string; set: [string, string][]; click?: string }[] = [];
while (args.length) {
  const [run, out] = args.splice(0, 2);
  if (!run || !out?.endsWith('.png')) throw new Error('usage: serve-screenshots.ts RUN OUT.png [--set SELECTOR=VALUE …] [--click SELECTOR] …');
  const set: [string, string][] = [];
  while (args[0] === '--set') {
    const [selector, value] = (args.splice(0, 2)[1] ?? '').split('=');
    if (!selector || value === undefined) throw new Error('--set takes SELECTOR=VALUE');
    set.push([selector, value]);
  }
  shots.push({ run, out, set, ...(args[0] === '--click' && { click: args.splice(0, 2)[1] }) });
}

/** Resolves once every panel of the page is idle and has drawn more than `version` results. */
const drawn = (page: import('playwright-core').Page, version: number) => page.waitForFunction((v) => {
  const panels = [...document.querySelectorAll<HTMLElement>('[data-state]')];
  return panels.length > 0 && panels.every((p) => p.dataset.state === 'done' && Number(p.dataset.version) > v);
}, version, { timeout: 120_000 });

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium' });
try {
  for (const { run, out, set, click } of shots) {
    const server = await startServer({ run, port: 0, host: '127.0.0.1' });
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      await page.goto(server.url);
      await drawn(page, 0);
      for (const [selector, value] of set) {
        if (await page.$eval(selector, (e) => e.tagName === 'SELECT')) await page.selectOption(selector, value);
        else await page.fill(selector, value);
      }
      if (click) {
        await page.click(click);
        await drawn(page, 1);
      }
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, await page.screenshot({ fullPage: true }));
      console.log(`wrote ${out}`);
    } finally {
      await server.close();
    }
  }
} finally {
  await browser.close();
}
