// Eval, plot and sample --png on vector data of any dimension (issue #23, item 1): tiny runs on
// arrays of points, D = 5 (three clusters, with and without labels) and D = 1, trained a few steps.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Generator, liveTensors, randn, setNumThreads, tensor, tidy } from '../../src/engine/index.js';
import { saveNpy, loadNpy } from '../../src/io/npy.js';
import { parseConfig } from '../../src/config/load.js';
import { trainStage1 } from '../../src/train/stage1.js';
import { trainPrior } from '../../src/train/stage2.js';
import { evaluateRun, plotRun } from '../../src/eval/commands.js';
import { summary, writeReport } from '../../src/eval/toy-report.js';
import { W2_DRAWS, evaluateToyRun, type ToyMetrics } from '../../src/eval/toy.js';
import { sample } from '../../src/cli/commands.js';
import { pngSize } from '../../src/plot/png.js';

before(() => setNumThreads(1));

const dir = mkdtempSync(join(tmpdir(), 'dd-vector-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

/** N points around `centres` (one cluster per row, equal shares), std 0.3; the points and labels files. */
function clusters(name: string, centres: number[][], N: number): { path: string; labels: string } {
  const path = join(dir, `${name}.npy`), labels = join(dir, `${name}-labels.npy`);
  tidy(() => {
    const z = Array.from({ length: N }, (_, i) => i % centres.length);
    const x = tensor(z.map((c) => centres[c]!)).add(randn([N, centres[0]!.length], { generator: new Generator(5) }).mul(0.3));
    saveNpy(path, x);
    saveNpy(labels, tensor(z, { dtype: 'int64' }));
  });
  return { path, labels };
}

const five = clusters('five', [[3, 0, 0, 1, 0], [0, 3, 0, 0, -1], [0, 0, -3, 1, 1]], 300);
const one = clusters('one', [[-2], [2]], 200);

/** Trains a tiny run on `data` (latents m = 1, k = 3, and its prior); returns its directory. */
async function tinyRun(name: string, data: { path: string; labels: string | null }): Promise<string> {
  const run = join(dir, name);
  const cfg = parseConfig({
    data: { kind: 'array', ...data },
    model: { kind: 'mlp', hidden: 32, layers: 3, embDim: 16 },
    latents: { enabled: true, m: 1, k: 3 },
    encoder: { kind: 'mlp', hidden: 32, layers: 2 },
    train: { steps: 8, batch: 64, lr: 1e-3, warmupSteps: 2, logEvery: 4, checkpointEvery: 8, seed: 1 },
    prior: { steps: 5, batch: 64, dim: 16, layers: 1, heads: 2 },
    sample: { steps: 4 },
  });
  await trainStage1(cfg, run, { quiet: true });
  await trainPrior(run, { quiet: true });
  return run;
}

const labelled = await tinyRun('labelled', five);
const unlabelled = await tinyRun('unlabelled', { path: five.path, labels: null });
const line = await tinyRun('line', one);

/** A PNG at `path` with some pixels. */
function isPng(path: string): void {
  const { width, height } = pngSize(readFileSync(path));
  assert.ok(width > 100 && height > 100, `${path}: ${width}×${height}`);
}

test('eval of an array run (D = 5): W2 against training points, n capped at half the file, purity from the labels', async () => {
  const m = await evaluateRun(labelled, { n: 1000 }) as unknown as ToyMetrics;
  assert.deepEqual([m.data, m.dim, m.n, m.w2Kind, m.w2Reference], [`array:${five.path}`, 5, 150, 'exact', 'training']);
  assert.ok(Number.isFinite(m.w2) && m.w2 > 0 && Number.isFinite(m.w2Floor) && m.w2Floor > 0, `W2 ${m.w2}, floor ${m.w2Floor}`);
  // Two disjoint halves of three clusters 4.2 apart: far below the distance between clusters.
  assert.ok(m.w2Floor < 1.5, `floor ${m.w2Floor}`);
  // Both are means over W2_DRAWS draws of samples and disjoint halves, which differ from draw to draw.
  assert.equal(m.w2Draws, W2_DRAWS);
  assert.ok(m.w2Spread > 0 && m.w2FloorSpread > 0 && m.w2FloorSpread < m.w2Floor, `spreads ${m.w2Spread}, ${m.w2FloorSpread}`);
  const once = await evaluateRun(labelled, { n: 1000, draws: 1 }) as unknown as ToyMetrics;
  assert.deepEqual([once.w2Draws, once.w2Spread, once.w2FloorSpread], [1, 0, 0]);
  assert.ok(Object.values(m.lowNfe).every(Number.isFinite));
  assert.ok(m.purity !== null && m.purity >= 1 / 3 && m.purity <= 1, `purity ${m.purity}`);
  // The labels describe a mixture (their components' means and covariances): mode statistics and W2 within modes.
  assert.ok(m.offMode !== null && m.offMode >= 0 && m.offMode <= 1 && m.modeWeights?.length === 3, `off-mode ${m.offMode}`);
  assert.ok(m.w2Modes !== null && m.w2Modes >= 0 && m.w2ModesFloor !== null && m.w2ModesFloor < m.w2Floor,
    `within modes ${m.w2Modes}, floor ${m.w2ModesFloor} (plain floor ${m.w2Floor})`);
  assert.equal(m.w2ModesByDraw?.length, W2_DRAWS);
  assert.deepEqual(JSON.parse(readFileSync(join(labelled, 'metrics.json'), 'utf8')).w2Reference, 'training');
});

test('without labels purity is null; the codes are still counted', async () => {
  const m = await evaluateRun(unlabelled, { n: 50 }) as unknown as ToyMetrics;
  assert.deepEqual([m.n, m.purity], [50, null]);
  assert.ok(m.codesUsed !== null && m.codesUsed >= 1 && m.codesUsed <= 3);
  assert.ok(Number.isFinite(m.w2));
  assert.deepEqual([m.offMode, m.modeWeights, m.w2Modes], [null, null, null], 'no labels: no mixture, no mode statistics');
});

test('plot: D = 5 samples on PC1/PC2; with a baseline Fig. 3 on the principal components; a report without mixture rows', async () => {
  const single = await plotRun(unlabelled);
  assert.deepEqual(Object.keys(single).sort(), ['lossVsSigma', 'samples']);
  Object.values(single).forEach(isPng);
  const pair = await plotRun(labelled, { baseline: unlabelled });
  assert.deepEqual(Object.keys(pair).sort(), ['fig3', 'fig4', 'lossVsSigma']);
  Object.values(pair).forEach(isPng);
  await assert.rejects(plotRun(labelled, { baseline: line }), /--baseline: its points have D = 1, the run's have D = 5/);

  const dm = JSON.parse(readFileSync(join(unlabelled, 'metrics.json'), 'utf8')) as ToyMetrics;
  const disco = JSON.parse(readFileSync(join(labelled, 'metrics.json'), 'utf8')) as ToyMetrics;
  const report = join(dir, 'report.md');
  writeReport(report, summary(dm, disco, { dm: 1, disco: 1 }), pair);
  const md = readFileSync(report, 'utf8');
  assert.match(md, new RegExp(`^# DisCo-Diff vs plain DM on array:${five.path} \\(D = 5\\)`));
  assert.match(md, /\| W2 to training points \(floor \d\.\d{3} ± \d\.\d{3}\) \| \d\.\d{3} ± \d\.\d{3} \|/);
  assert.match(md, /mean ± standard deviation over 5 draws of new samples and new reference points/);
  assert.match(md, /Latent purity \(codes vs true components\): \d+\.\d%/);
  assert.doesNotMatch(md, /off-mode|mode-weight|within modes|8 Gaussians/);
  assert.match(md, /## Samples on the first two principal components \(Fig\. 3\)\n!\[fig3\]\(/);
});

test('D = 1: eval, plot (a histogram), and plot with a baseline (no Fig. 3)', async () => {
  const m = await evaluateRun(line, { n: 60 }) as unknown as ToyMetrics;
  assert.deepEqual([m.dim, m.n, m.w2Kind], [1, 60, 'exact']);
  assert.ok(m.purity !== null && Number.isFinite(m.w2));
  Object.values(await plotRun(line)).forEach(isPng);
  // Compared with a run on the same data: no Fig. 3 for D = 1, the other figures as usual.
  const pair = await plotRun(line, { baseline: line });
  assert.deepEqual(Object.keys(pair).sort(), ['fig4', 'lossVsSigma']);
  Object.values(pair).forEach(isPng);
});

test('sample --png writes the .npy and the picture for D = 5 and D = 1', async () => {
  for (const [run, D] of [[labelled, 5], [line, 1]] as const) {
    const out = join(dir, `s${D}.npy`), png = join(dir, `s${D}.png`), latentsOut = join(dir, `z${D}.npy`);
    await sample({ run, n: 40, out, png, latentsOut, seed: 0 });
    tidy(() => {
      assert.deepEqual(loadNpy(out).shape, [40, D]);
      assert.deepEqual(loadNpy(latentsOut).shape, [40, 1]);
    });
    assert.ok(existsSync(png));
    isPng(png);
  }
});

test('eval that fails part-way (the data file shrank to one point) frees the run it loaded', async () => {
  const data = clusters('shrinks', [[1, 0], [-1, 0]], 100);
  const run = await tinyRun('shrinks', data);
  tidy(() => {
    saveNpy(data.path, tensor([[0, 0]]));
    saveNpy(data.labels, tensor([0], { dtype: 'int64' }));
  });
  const live = liveTensors();
  assert.throws(() => evaluateToyRun(run, { n: 50 }), /holds a single point; eval needs at least 2/);
  assert.equal(liveTensors(), live);
});
