/**
 * Screenshots of the `disco-diff serve` page for docs/serve.md, in headless Chromium (Debian's
 * `chromium`, installed by scripts/setup.sh): serves each run, waits until every panel has drawn,
 * optionally clicks an element first, and saves the whole page as PNG.
 *   node --import tsx scripts/serve-screenshots.ts RUN OUT.png [--click SELECTOR] [RUN OUT.png [--click SELECTOR] …]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { chromium } from 'playwright-core';
import { startServer } from '../src/serve/server.js';

const args = process.argv.slice(2);
const shots: { run: string; out: string; click?: string }[] = [];
while (args.length) {
  const [run, out] = args.splice(0, 2);
  if (!run || !out?.endsWith('.png')) throw new Error('usage: serve-screenshots.ts RUN OUT.png [--click SELECTOR] …');
  shots.push({ run, out, ...(args[0] === '--click' && { click: args.splice(0, 2)[1] }) });
}

/** Resolves once every panel of the page is idle and has drawn more than `version` results. */
const drawn = (page: import('playwright-core').Page, version: number) => page.waitForFunction((v) => {
  const panels = [...document.querySelectorAll<HTMLElement>('[data-state]')];
  return panels.length > 0 && panels.every((p) => p.dataset.state === 'done' && Number(p.dataset.version) > v);
}, version, { timeout: 120_000 });

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium' });
try {
  for (const { run, out, click } of shots) {
    const server = await startServer({ run, port: 0, host: '127.0.0.1' });
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      await page.goto(server.url);
      await drawn(page, 0);
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
