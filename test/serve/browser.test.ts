// The page of `disco-diff serve` in a real headless Chromium (Debian's `chromium`, installed by
// scripts/setup.sh), driven by playwright-core: the 2-D, image and docking pages load and draw,
// choosing a latent (a code, a pose's z) changes the displayed pixels, and the console stays free of errors.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decode } from 'fast-png';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { startServer, type Serving } from '../../src/serve/server.js';
import { IMAGE_CONFIG, TOY_CONFIG, trainDockingRun, trainRun } from './runs.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const dir = mkdtempSync(join(tmpdir(), 'dd-browser-'));
/** Any free port on this machine only. */
const LOCAL = { port: 0, host: '127.0.0.1' };
let browser: Browser, toy: Serving, images: Serving, docking: Serving;

before(async () => {
  assert.ok(existsSync(CHROMIUM), `no Chromium at ${CHROMIUM}: run \`bash scripts/setup.sh\` (it installs Debian's chromium) ` +
    'or set CHROMIUM_PATH');
  const [toyRun, imageRun, dockingRun] = [await trainRun(dir, 'toy', TOY_CONFIG), await trainRun(dir, 'images', IMAGE_CONFIG),
    await trainDockingRun(dir, 'docking')];
  [toy, images, docking, browser] = await Promise.all([startServer({ run: toyRun, ...LOCAL }), startServer({ run: imageRun, ...LOCAL }),
    startServer({ run: dockingRun, ...LOCAL }), chromium.launch({ executablePath: CHROMIUM })]);
});
after(async () => {
  await browser?.close();
  await Promise.all([toy?.close(), images?.close(), docking?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

/** A new page at `url` that records console errors and uncaught exceptions. */
async function open(url: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  return { page, errors };
}

/** Waits until panel `id` has shown more than `version` results and is idle; returns its version. */
async function shown(page: Page, id: string, version: number): Promise<number> {
  const panel = page.locator(`#${id}`);
  await page.waitForFunction(([sel, v]) => {
    const el = document.querySelector(sel as string) as HTMLElement | null;
    return el?.dataset.state === 'failed' || (el?.dataset.state === 'done' && Number(el.dataset.version) > (v as number));
  }, [`#${id}`, version], { timeout: 20_000 });
  assert.equal(await panel.getAttribute('data-state'), 'done', await panel.locator('.status').textContent() ?? '');
  return Number(await panel.getAttribute('data-version'));
}

/** Share of pixels whose colour differs by more than 8 levels in some channel, between two screenshots. */
async function changed(a: Buffer, element: Locator): Promise<number> {
  const [p, q] = [decode(a), decode(await element.screenshot())];
  assert.deepEqual([p.width, p.height], [q.width, q.height]);
  let n = 0;
  for (let i = 0; i < p.width * p.height; i++) {
    for (let c = 0; c < 3; c++) {
      if (Math.abs(p.data[i * p.channels + c]! - q.data[i * q.channels + c]!) > 8) { n++; break; }
    }
  }
  return n / (p.width * p.height);
}

/** Pixels of a screenshot whose channels differ by more than 40 levels: colour, not grey. */
function coloured(png: Buffer): number {
  const p = decode(png);
  let n = 0;
  for (let i = 0; i < p.width * p.height; i++) {
    const rgb = [0, 1, 2].map((c) => p.data[i * p.channels + c]!);
    if (Math.max(...rgb) - Math.min(...rgb) > 40) n++;
  }
  return n;
}

test('2-D page: the scatter draws, and choosing a code redraws it with that code\'s samples', async () => {
  const { page, errors } = await open(toy.url);
  let v = await shown(page, 'points-panel', 0);
  assert.match(await page.locator('#run').textContent() ?? '', /serve-toy .* 2-D points · step 30 · 1 latent of 8 codes/);
  const scatter = page.locator('#scatter');
  const before = await scatter.screenshot();
  await page.click('#code-3');
  v = await shown(page, 'points-panel', v);
  assert.equal(await page.locator('#latent-0').inputValue(), '3');
  assert.match(await page.locator('#code-3').getAttribute('class') ?? '', /selected/);
  assert.ok(await changed(before, scatter) > 0.01, 'the scatter changed');
  const data = await page.locator('#data').screenshot();
  await page.click('#new-noise');
  await shown(page, 'points-panel', v);
  assert.equal(await changed(data, page.locator('#data')), 0, 'the data panel stays the same');
  assert.deepEqual(errors, []);
});

test('image page: the grid and the switching panels show, and changing a latent changes the grid', async () => {
  const { page, errors } = await open(images.url);
  let v = await shown(page, 'grid-panel', 0);
  await shown(page, 'switch-panel', 0);
  const grid = page.locator('#grid');
  assert.ok(await grid.evaluate((img: HTMLImageElement) => img.naturalWidth === 4 * 17 + 1 && img.width >= 4 * img.naturalWidth));
  for (const i of [0, 1, 2]) assert.ok(await page.locator(`#switch-image-${i}`).evaluate((img: HTMLImageElement) => img.naturalWidth > 0));
  await page.selectOption('#latent-0', '0');
  v = await shown(page, 'grid-panel', v);
  const code0 = await grid.screenshot();
  await page.selectOption('#latent-0', '3');
  v = await shown(page, 'grid-panel', v);
  const share = await changed(code0, grid);
  assert.ok(share > 0.01, `latent 0 = 3 instead of 0 changed ${(100 * share).toFixed(2)}% of the grid's pixels`);
  const code3 = await grid.screenshot();
  await page.click('#new-noise');
  await shown(page, 'grid-panel', v);
  assert.ok(await changed(code3, grid) > 0.01, 'new noise changes the grid');
  assert.match(await page.locator('#codes li').first().textContent() ?? '', /^z = \[3, \d\]$/);
  assert.deepEqual(errors, []);
});

test('docking page: the 3-D view draws the poses, the legend and table list their z, and hiding a z redraws the view', async () => {
  const { page, errors } = await open(docking.url);
  let v = await shown(page, 'docking-panel', 0);
  assert.match(await page.locator('#run').textContent() ?? '', /· docking · step 2 · 2 pointer latents ·/);
  const viewer = page.locator('#viewer canvas');
  assert.ok(await viewer.count() > 0, 'the 3-D viewer has a canvas');
  assert.equal(await page.locator('#poses tr').count(), 1 + 4, 'a header and the 4 poses');
  assert.match(await page.locator('#poses tr').nth(1).locator('td').nth(2).textContent() ?? '', /^ \d+, \d+$/);
  // Mode 0's z: every distinct z is a legend row with its pointers; hiding all of them leaves only the pocket.
  await page.selectOption('#z-source', 'mode-0');
  assert.ok(await page.locator('label[for=z-nodes]').isHidden());
  await page.fill('#n', '3');
  await page.click('#sample');
  v = await shown(page, 'docking-panel', v);
  const groups = page.locator('#groups tr[id^=group-]');
  assert.ok(await groups.count() >= 1);
  assert.match(await groups.first().locator('td').nth(2).textContent() ?? '', /(ligand atom \d+|[A-Z]{3}\d+:[A-Z])/);
  await page.uncheck('#show-modes');
  await page.uncheck('#show-crystal');
  assert.ok(coloured(await viewer.screenshot()) > 100, 'the poses and their pointers are drawn in colour over the grey pocket');
  for (const box of await groups.locator('input[type=checkbox]').all()) await box.uncheck();
  assert.equal(coloured(await viewer.screenshot()), 0, 'with every z hidden only the grey pocket is left');
  // Chosen nodes: the field shows, and the poses all carry that z.
  await page.selectOption('#z-source', 'nodes');
  assert.ok(await page.locator('label[for=z-nodes]').isVisible());
  await page.fill('#z-nodes', '1, 2');
  await page.click('#sample');
  await shown(page, 'docking-panel', v);
  assert.deepEqual(await page.locator('#groups tr[id^=group-] td:nth-child(2)').allTextContents(), ['1, 2']);
  assert.deepEqual(errors, []);
});
