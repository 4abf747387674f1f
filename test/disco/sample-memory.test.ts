// Sampling's memory follows the batch, not n (issue #27): the prior draws per batch, the default
// batch comes from the model's size, samples stream to disk, and no sample depends on the batching.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Generator, cat, manualSeed, randn, streamSeed, tensor, withRowShard, type Tensor } from '../../src/engine/index.js';
import { parseConfig } from '../../src/config/load.js';
import { createModel } from '../../src/networks/build.js';
import { LatentPrior } from '../../src/disco/prior.js';
import { generate, generateBatches, rowsPerStream } from '../../src/disco/sample.js';
import { defaultBatch, SAMPLE_MEMORY_BUDGET, sampleBytes } from '../../src/disco/sample-batch.js';
import { writeSamples } from '../../src/disco/sample-files.js';
import { loadNpy, saveNpy, saveNpyRows } from '../../src/io/npy.js';
import type { DataInfo } from '../../src/data/dataset.js';

manualSeed(0);
const cfg = parseConfig({
  data: { kind: 'toy' }, model: { kind: 'mlp', hidden: 16, layers: 2, embDim: 8 },
  latents: { m: 2, k: 3 }, encoder: { kind: 'mlp', hidden: 16, layers: 2 }, sample: { steps: 3 },
});
const info: DataInfo = { shape: [2], numClasses: 0, sigmaData: 0.5 };
const model = createModel(cfg, info).eval();
const priorModel = new LatentPrior({ m: 2, k: 3, numClasses: 0, dim: 8, layers: 1, heads: 2 }).eval();
const prior = { model: priorModel, temperature: 1 };
const dir = mkdtempSync(join(tmpdir(), 'dd-sample-mem-'));

/**
 * Equal up to float32 rounding: the noise is the same (next test), but the network's sums may round
 * differently at another batch size. Other noise would move samples by about their scale.
 */
function assertClose(a: Tensor, b: Tensor): void {
  assert.deepEqual(a.shape, b.shape);
  const worst = a.sub(b).abs().max().item(), scale = b.abs().max().item();
  assert.ok(worst <= 1e-4 * scale, `differ by ${worst} at a scale of ${scale}`);
}

// Samples of 7000 numbers: 9 to a stream block (rowsPerStream), so batches cut across blocks.
const wideInfo: DataInfo = { shape: [7000], numClasses: 0, sigmaData: 0.5 };
const wide = createModel(cfg, wideInfo).eval();

for (const [sampler, m, shape] of [['heun', model, info], ['stochastic', model, info], ['stochastic', wide, wideInfo]] as const) {
  test(`${sampler}, samples [${shape.shape}]: n = 10 in batches of 3 equals one batch of 10, and its first 4 equal n = 4`, () => {
    assert.equal(rowsPerStream(shape.shape), shape === info ? 32_768 : 9);
    const o = { seed: 7, sample: { ...cfg.sample, sampler }, prior };
    const one = generate(m, shape, { ...o, n: 10, batch: 10 });
    const three = generate(m, shape, { ...o, n: 10, batch: 3 });
    const four = generate(m, shape, { ...o, n: 4, batch: 4 });
    assertClose(three.x, one.x);
    assert.deepEqual(three.codes!.toFlatArray(), one.codes!.toFlatArray());
    assertClose(four.x, one.x.slice(0, 0, 4));
    // Another seed, other samples.
    const other = generate(m, shape, { ...o, seed: 8, n: 10, batch: 10 });
    assert.ok(other.x.sub(one.x).abs().max().item() > 0.1);
  });
}

test('under row streams, a draw cut into any batches equals the whole draw, bit for bit', () => {
  const made: Generator[] = [];
  const draw = (cuts: number[]) => cat(cuts.slice(1).map((end, i) => {
    const streams = new Map<number, Generator>();
    const stream = (j: number) => streams.get(j) ?? streams.set(j, new Generator(streamSeed(5, j))).get(j)!;
    const x = withRowShard({ start: cuts[i]!, end, total: 4, streams: stream }, () => randn([end - cuts[i]!, 3], { dtype: 'float64' }));
    made.push(...streams.values());
    return x;
  }));
  const whole = draw([0, 10]);
  assert.deepEqual(draw([0, 3, 6, 10]).toFlatArray(), whole.toFlatArray());
  assert.deepEqual(draw([0, 1, 2, 9, 10]).toFlatArray(), whole.toFlatArray());
  // Rows 4–7 are block 1: its stream's first draw of 4 rows.
  const g = new Generator(streamSeed(5, 1));
  assert.deepEqual(whole.slice(0, 4, 8).toFlatArray(), randn([4, 3], { dtype: 'float64', generator: g }).toFlatArray());
  for (const s of [...made, g]) s.dispose();
});

test('the prior draws batch by batch, never all n codes at once', () => {
  const sizes: number[] = [];
  const spy = { model: { ...priorModel, sample: (n: number, s: Parameters<LatentPrior['sample']>[1]) => {
    sizes.push(n);
    return priorModel.sample(n, s);
  } } as unknown as LatentPrior, temperature: 1 };
  generate(model, info, { n: 10, seed: 0, sample: cfg.sample, prior: spy, batch: 4 });
  assert.deepEqual(sizes, [4, 4, 2]);
});

test('the default batch keeps the estimated activations within the budget', () => {
  const B = defaultBatch(model, info);
  // κ·d·√P with κ = 40 bytes, d = 2.
  assert.equal(sampleBytes(model, info), 40 * 2 * Math.sqrt(model.denoiser.numParameters()));
  assert.equal(B, Math.floor(SAMPLE_MEMORY_BUDGET / sampleBytes(model, info)));
  assert.ok(B < 2e6, `default batch ${B}`);
  // n above the default batch is drawn in several sampler calls (without --batch).
  const calls = new Set<number>();
  const it = generateBatches(model, info, { n: B + 1, seed: 0, sample: { ...cfg.sample, steps: 1 }, prior,
    onStep: (s) => calls.add(s.batch) });
  const rows = [...it].map((b) => {
    const r = b.x.size(0);
    for (const t of [b.x, b.codes]) t?.dispose();
    return r;
  });
  assert.deepEqual(rows, [B, 1]);
  assert.deepEqual([...calls], [0, 1]);
});

test('stream seeds: distinct for the blocks of one seed, a bijective hash of seed and block', () => {
  const seeds = new Set(Array.from({ length: 10_000 }, (_, j) => streamSeed(123, j)));
  assert.equal(seeds.size, 10_000);
  assert.ok([...seeds].every((s) => Number.isInteger(s) && s >= 0 && s < 2 ** 32));
  // MurmurHash3's fmix32 of 0 is 0, so stream 0 of seed 0 is fmix32(0) = 0 and stream 1 is fmix32(1).
  assert.equal(streamSeed(0, 0), 0);
  assert.equal(streamSeed(0, 1), 0x514e28b7);
});

test('writeSamples streams the samples and the latents to .npy: the same arrays generate returns', () => {
  const o = { n: 25, seed: 3, sample: cfg.sample, prior, batch: 4 };
  const want = generate(model, info, { ...o, batch: 25 });
  const out = join(dir, 'x.npy'), latents = join(dir, 'z.npy');
  const r = writeSamples(model, info, o, { out, latentsOut: latents });
  assert.equal(r.nfe, want.nfe);
  assert.deepEqual(loadNpy(out).shape, [25, 2]);
  assertClose(loadNpy(out), want.x);
  assert.equal(loadNpy(latents).dtype, 'int64');
  assert.deepEqual(loadNpy(latents).toFlatArray(), want.codes!.toFlatArray());
});

test('saveNpyRows writes the header, then the parts; parts that do not fit leave no file', () => {
  const a = tensor([[1, 2], [3, 4]]), b = tensor([[5, 6]]);
  const whole = join(dir, 'whole.npy'), parts = join(dir, 'parts.npy');
  saveNpy(whole, tensor([[1, 2], [3, 4], [5, 6]]));
  saveNpyRows(parts, 'float32', [3, 2], [a, b]);
  assert.deepEqual(loadNpy(parts).toArray(), [[1, 2], [3, 4], [5, 6]]);
  assert.deepEqual(loadNpy(parts).shape, loadNpy(whole).shape);
  const bad = join(dir, 'bad.npy');
  assert.throws(() => saveNpyRows(bad, 'float32', [4, 2], [a, b]), /cannot write .*bad\.npy: the parts hold 3 rows of the 4 the header gives/);
  assert.throws(() => saveNpyRows(bad, 'float32', [3, 2], [a, tensor([[5, 6, 7]])]), /a part \[1,3\] float32 does not fit the array \[3,2\] float32/);
  assert.throws(() => saveNpyRows(bad, 'float32', [1, 2], [a]), /does not fit/);
  assert.equal(existsSync(bad), false);
});

test('class labels: random ones come from each sample\'s stream (batch-independent), a number labels all', () => {
  const c = parseConfig({ data: { kind: 'fashion-mnist', resolution: 8, useLabels: true },
    model: { kind: 'unet', channels: 8, channelMult: [1], numBlocks: 1, attnResolutions: [] },
    latents: { enabled: false }, sample: { steps: 2 } });
  const imgInfo: DataInfo = { shape: [1, 8, 8], numClasses: 3, sigmaData: 0.5 };
  const unet = createModel(c, imgInfo).eval();
  const o = { n: 6, seed: 2, sample: c.sample };
  assertClose(generate(unet, imgInfo, { ...o, labels: 'random', batch: 4 }).x, generate(unet, imgInfo, { ...o, labels: 'random', batch: 6 }).x);
  const all1 = generate(unet, imgInfo, { ...o, labels: 1 }).x;
  assertClose(all1, generate(unet, imgInfo, { ...o, labels: tensor([1, 1, 1, 1, 1, 1], { dtype: 'int64' }) }).x);
  assert.throws(() => generate(model, info, { ...o, labels: 'random', prior }), /random labels: this model is not class-conditional/);
});
