import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Generator, arange, cat, linspace, randn, stack, tidy } from '../../src/engine/index.js';
import { eightGaussians } from '../../src/data/toy.js';
import {
  Figure, fig3, fig4, formatTick, lineChart, linearTicks, logTicks, lossVsSigmaFigure, pngSize, saveImageGrid, scatter,
} from '../../src/plot/index.js';

/** Where the figures go: $PLOT_DIR (to look at them) or a fresh temp dir. */
const dir = process.env.PLOT_DIR ?? mkdtempSync(join(tmpdir(), 'disco-plot-'));

/** Checks the file is a PNG of the expected pixel size and that no temp file was left behind. */
function checkPng(path: string, size: { width: number; height: number }): void {
  assert.deepEqual(pngSize(readFileSync(path)), size);
  assert.ok(!readdirSync(dir).some((f) => f.includes('.tmp-')), 'no temp files left');
}

test('ticks and tick labels', () => {
  assert.deepEqual(linearTicks(0, 1, 5), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(linearTicks(-4.5, 4.5, 4), [-4, -2, 0, 2, 4]);
  assert.deepEqual(logTicks(0.002, 80), [0.01, 0.1, 1, 10]);
  assert.deepEqual(logTicks(2, 30), [2, 5, 10, 20]);
  assert.equal(formatTick(0.01, true), '10⁻²');
  assert.equal(formatTick(1000, true), '10³');
  assert.equal(formatTick(0.30000000000000004), '0.3');
  assert.throws(() => pngSize(new Uint8Array(30)), /not a PNG/);
});

test('a 1×3 panel figure with scatter and a line chart is a PNG of the expected size', () => {
  const fig = new Figure({ cols: 3, panelWidth: 200, panelHeight: 150, scale: 1, title: 'panels' });
  const ax = fig.axes(0, 0, { xlim: [0, 1], ylim: [0, 1], title: 'scatter' });
  scatter(ax, [[0.2, 0.3], [0.5, 0.5]], { categories: [0, 1] });
  ax.frame();
  const ax2 = fig.axes(0, 1, { xlim: [1, 100], ylim: [0, 2], xlog: true, xlabel: 'σ' });
  lineChart(ax2, [{ label: 'a', x: [1, 10, 100], y: [0, 1, 2] }, { label: 'b', x: [1, 100], y: [2, 0], dash: 'dashed' }]);
  ax2.frame();
  assert.throws(() => fig.axes(1, 0), /no panel/);
  const path = join(dir, 'panels.png');
  assert.deepEqual(fig.save(path), { width: 600, height: 150 + 28 });
  checkPng(path, { width: 600, height: 178 });
});

test('fig3: data | DM | DisCo-Diff by latent with trajectories', () => {
  tidy(() => {
    const g = new Generator(0);
    const data = eightGaussians(2000, g);
    const dm = cat([data.x.slice(0, 0, 1800), randn([200, 2], { generator: g }).mul(2)]);   // some off-mode mass
    const disco = eightGaussians(2000, g);
    // Straight trajectories (DisCo) and bent ones (DM) over 20 states from noise to samples.
    const t = linspace(1, 0, 20).reshape(20, 1, 1);
    const start = randn([16, 2], { generator: g }).mul(2.5);
    const straight = start.mul(t).add(disco.x.slice(0, 0, 16).mul(t.rsub(1)));
    const bend = stack([t.squeeze(2).mul(t.squeeze(2).rsub(1)).mul(4), t.squeeze(2).mul(0)], 2);
    const curved = start.mul(t).add(dm.slice(0, 0, 16).mul(t.rsub(1))).add(bend);
    const path = join(dir, 'fig3.png');
    const size = fig3(path, {
      data: data.x, dataLabels: data.labels, dm, dmTrajectories: curved, disco: disco.x, codes: disco.labels,
      discoTrajectories: straight, trajectoryCodes: disco.labels.slice(0, 0, 16),
    }, { notes: [undefined, 'W2 = 0.27', 'W2 = 0.12'] });
    assert.deepEqual(size, { width: 2040, height: 680 });
    checkPng(path, size);
  });
});

test('fig4 and loss vs σ: log axes and legends', () => {
  const sig = Array.from({ length: 30 }, (_, i) => 0.002 * (80 / 0.002) ** (i / 29));
  const p4 = join(dir, 'fig4.png');
  const s4 = fig4(p4, {
    curvature: [
      { label: 'DM', t: sig, value: sig.map((s) => 2 / (1 + s) + 0.1) },
      { label: 'DisCo-Diff', t: sig, value: sig.map((s) => 0.6 / (1 + s) + 0.05) },
    ],
    jacobian: [
      { label: 'DM', t: sig, value: sig.map((s) => 30 / (s * s + 0.05)) },
      { label: 'DisCo-Diff', t: sig, value: sig.map((s) => 8 / (s * s + 0.05)) },
    ],
  });
  assert.deepEqual(s4, { width: 1600, height: 640 });
  checkPng(p4, s4);
  const pl = join(dir, 'loss_vs_sigma.png');
  const sl = lossVsSigmaFigure(pl, { sigma: sig, series: [
    { label: 'DM', loss: sig.map((s) => 0.1 + 0.8 * s / (1 + s)) },
    { label: 'DisCo-Diff', loss: sig.map((s) => 0.1 + 0.45 * s / (1 + s)) },
  ] });
  assert.deepEqual(sl, { width: 920, height: 680 });
  checkPng(pl, sl);
});

test('image grids: grayscale and RGB, rows/cols, upscaling, row separators', () => {
  tidy(() => {
    const ramp = arange(0, 28 * 28, 1, { dtype: 'float32' }).div(28 * 28 / 2).sub(1).reshape(1, 1, 28, 28);
    const gray = cat([ramp, ramp.flip(3), ramp.neg(), randn([5, 1, 28, 28], { generator: new Generator(1) }).mul(0.5)]);
    const pg = join(dir, 'grid_gray.png');
    const sg = saveImageGrid(pg, gray, { cols: 4, rowSeparators: true });
    assert.deepEqual(sg, { width: 4 * 30 + 2, height: 2 + 28 + 4 + 28 + 2 });
    checkPng(pg, sg);
    const rgb = stack([ramp.squeeze(1), ramp.squeeze(1).flip(2), ramp.squeeze(1).mul(0)], 1).repeat(6, 1, 1, 1);
    const pc = join(dir, 'grid_rgb.png');
    const sc = saveImageGrid(pc, rgb, { rows: 2, upscale: 2, pad: 1 });
    assert.deepEqual(sc, { width: 3 * 57 + 1, height: 2 * 57 + 1 });
    checkPng(pc, sc);
    assert.throws(() => saveImageGrid(pc, rgb.slice(1, 0, 2)), /C must be 1 or 3/);
  });
});
