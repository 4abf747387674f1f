/**
 * Evaluation and figures of an image run (DisCo-Diff's image analyses, Xu et al. 2024): FD-FMNIST
 * and precision/recall of samples against the Fashion-MNIST test split (features of the project's own classifier — a
 * Fréchet distance, not FID), loss vs σ, code usage, sampling speed and the prior's time share;
 * sample grids, shared-latent grids, latent switching and group composition.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { F, Generator, mapBatches, randint, stack, tensor, tidy, type Tensor } from '../engine/index.js';
import { generate, withOverrides, type SamplingOverrides } from '../disco/sample.js';
import { loadFashionMNISTTest } from '../data/fashion-mnist.js';
import { ImageReference, classify, evaluateImages, loadFMNISTClassifier, rowMajorityShare } from '../metrics/fmnist-classifier.js';
import { loadStoredConfig } from '../config/load.js';
import { RunDir } from '../train/run-dir.js';
import type { LatentPrior } from '../disco/prior.js';
import { codeUsage } from '../metrics/code-usage.js';
import { lossVsSigmaFigure } from '../plot/figures.js';
import { codeMeansFigure, groupCompositionFigure, latentSwitchingFigure, sampleGridFigure, sharedLatentFigure } from '../plot/image-figures.js';
import { composeGroupCodes, mixGroupCodes, repeatCodes, switchingRows } from '../disco/switching.js';
import { loadPrior, loadRun, type LoadedRun } from '../train/load-run.js';
import { lossVsSigma, sigmaGrid } from './loss-vs-sigma.js';
import { writeEvalMetrics } from './metrics-file.js';
import type { ProcessGroup } from '../parallel/group.js';

/** What `eval` measures on an image run. */
export interface ImageRunMetrics {
  run: string;
  latents: boolean;
  steps: number;
  /** FD-FMNIST (null for data other than Fashion-MNIST). */
  fd: number | null;
  precision: number | null;
  recall: number | null;
  /** Shares of samples and test images the classifier gives a class with probability ≥ 0.9 (null for other data). */
  recognisable: { samples: number; reference: number } | null;
  n: number;
  nRef: number;
  nfe: number;
  sampler: string;
  imagesPerSec: number;
  priorShare: number;
  /** Loss vs σ on 1000 test images (empty when the sampler is overridden: it does not depend on it). */
  lossVsSigma: { sigma: number[]; loss: number[] };
  codesUsed: number[] | null;
  codePerplexity: number[] | null;
  /**
   * Shared-latent consistency (Fashion-MNIST runs with latents): the mean share of a row's samples
   * whose classifier label is the row's majority label, for rows sharing one z from the prior
   * (`shared`) and rows whose z are drawn independently (`independent`, the baseline).
   */
  consistency: { shared: number; independent: number; rows: number; perRow: number } | null;
  /**
   * Group-hierarchical latents (Fashion-MNIST runs with more than one latent group): per group, the
   * effect of switching only that group's latents — pairs of samples from the same noise whose z
   * differ there alone — as the share whose classifier label changes and the mean absolute pixel
   * change (images in [-1, 1]); `all` switches every latent.
   */
  groupSwitch: GroupSwitch[] | null;
}

/** One row of ImageRunMetrics.groupSwitch. */
export interface GroupSwitch {
  group: string;
  latents: number;
  labelChange: number;
  pixelChange: number;
  pairs: number;
}

/**
 * groupSwitch of a run with latent groups: z₁ and z₂ drawn from the prior (with the same class labels
 * when class-conditional), samples with z₁ and, from the same initial noise, with z₁'s latents of one
 * group (or all) taken from z₂.
 */
export function groupSwitchEffect(L: LoadedRun, prior: LatentPrior, groups: number[], o: { n: number; seed: number; batch: number;
  group: ProcessGroup | null }): GroupSwitch[] {
  const clf = loadFMNISTClassifier();
  const g = new Generator(o.seed + 31);
  const labels = labelsFor(L, o.n, g);
  const draw = () => prior.sample(o.n, { generator: g, labels, temperature: L.cfg.prior.temperature });
  const z1 = draw(), z2 = draw();
  const sampled = (codes: Tensor) => generate(L.model, L.info, { n: o.n, seed: o.seed + 37, sample: L.cfg.sample, codes, labels,
    batch: o.batch, group: o.group }).x;
  try {
    return tidy(() => {
      const base = sampled(z1), baseLabels = classify(clf, base).toFlatArray();
      const arms = [...groups.map((size, i) => ({ group: `group ${i}`, latents: size, from: [i] })),
        { group: 'all', latents: z1.size(1), from: groups.map((_, i) => i) }];
      return arms.map(({ group, latents, from }) => tidy(() => {
        const x = sampled(mixGroupCodes(z1, z2, groups, from));
        const changed = classify(clf, x).toFlatArray().filter((c, i) => c !== baseLabels[i]).length;
        return { group, latents, labelChange: changed / o.n, pixelChange: x.sub(base).abs().mean().item(), pairs: o.n };
      }));
    });
  } finally {
    for (const t of [z1, z2, labels]) t?.dispose();
    g.dispose();
    clf.dispose();
  }
}

/** Shared-latent consistency of an unconditional run with latents (see ImageRunMetrics). */
function latentConsistency(L: LoadedRun, prior: LatentPrior, o: { rows: number; perRow: number; seed: number; batch: number;
  group: ProcessGroup | null }):
  { shared: number; independent: number; rows: number; perRow: number } {
  const clf = loadFMNISTClassifier();
  const g = new Generator(o.seed + 23);
  const z = prior.sample(o.rows, { generator: g, temperature: L.cfg.prior.temperature });
  const codes = repeatCodes(z, o.perRow);
  const share = (x: Tensor) => {
    const labels = classify(clf, x);
    const v = rowMajorityShare(labels.toFlatArray(), o.perRow);
    labels.dispose();
    return v;
  };
  const n = o.rows * o.perRow;
  const shared = generate(L.model, L.info, { n, seed: o.seed + 29, sample: L.cfg.sample, codes, batch: o.batch, group: o.group });
  const indep = generate(L.model, L.info, { n, seed: o.seed + 29, sample: L.cfg.sample, batch: o.batch,
    prior: { model: prior, temperature: L.cfg.prior.temperature }, group: o.group });
  const r = { shared: share(shared.x), independent: share(indep.x), rows: o.rows, perRow: o.perRow };
  for (const t of [z, codes, shared.x, shared.codes, indep.x, indep.codes]) t?.dispose();
  g.dispose();
  clf.dispose();
  return r;
}

/** Labels for class-conditional sampling (uniform), or undefined. */
function labelsFor(L: LoadedRun, n: number, g: Generator): Tensor | undefined {
  return L.info.numClasses > 0 ? randint(0, L.info.numClasses, [n], { generator: g }) : undefined;
}

/** The ImageReference of run `dir`'s test split, to share between evaluations of runs on the same data. */
export function testReference(dir: string): ImageReference {
  const data = loadStoredConfig(new RunDir(dir).config).data;
  if (data.kind !== 'fashion-mnist') throw new Error(`${dir} is not a Fashion-MNIST run (data.kind: ${data.kind})`);
  const test = loadFashionMNISTTest(data);
  try {
    return ImageReference.of(test.x);
  } finally {
    test.x.dispose();
    test.labels?.dispose();
  }
}

/**
 * Measures an image run and writes RUN/metrics.json; with a data-parallel `group` the ranks draw the
 * samples together and rank 0 writes. With `steps`, `sampler` or `restart` given (a low-NFE check),
 * or `extras: false` (a quick look), it skips what does not depend on the sampler or needs the run's
 * own: loss vs σ (10 σ × 1000 test images, 4–5× the sampling of 200 images at 11 NFE) and
 * shared-latent consistency; `plot` draws the loss-vs-σ figure from the last eval that made it.
 * `reference` (the run's test split as an ImageReference) saves its features when several runs are measured.
 */
export async function evaluateImageRun(dir: string, o: { n?: number; seed?: number; batch?: number; group?: ProcessGroup | null;
  extras?: boolean; reference?: ImageReference } & Pick<SamplingOverrides, 'steps' | 'sampler' | 'restart'> = {}): Promise<ImageRunMetrics & Record<string, unknown>> {
  const L = loadRun(dir);
  L.cfg.sample = withOverrides(L.cfg.sample, o);
  const n = o.n ?? 1000, seed = o.seed ?? 0;
  const fmnist = L.cfg.data.kind === 'fashion-mnist';
  const prior = L.model.encoder ? loadPrior(L.run, L.cfg, L.info.numClasses) : null;
  const g = new Generator(seed + 11);
  const labels = labelsFor(L, n, g);
  const group = o.group ?? null;
  const gen = generate(L.model, L.info, { n, seed, sample: L.cfg.sample, labels, batch: o.batch ?? 100,
    prior: prior && { model: prior, temperature: L.cfg.prior.temperature }, group });
  const test = fmnist ? loadFashionMNISTTest(L.cfg.data.kind === 'fashion-mnist' ? L.cfg.data : {}) : null;
  const quality = test ? evaluateImages(gen.x, o.reference ?? test.x) : null;
  const sub = test ? test.x.slice(0, 0, 1000) : null;
  const subLabels = test && L.info.numClasses > 0 ? test.labels!.slice(0, 0, 1000) : undefined;
  const extras = !o.steps && !o.sampler && !o.restart && o.extras !== false;
  const sigma = sub && extras ? sigmaGrid(10, 0.01, 50) : [];
  const loss = sigma.length ? lossVsSigma(L.model, sub!, sigma, { labels: subLabels, generator: g, batch: 250 }) : [];
  const usage = sub && L.model.encoder ? tidy(() => codeUsage(L.model.extractLatents(sub, subLabels).codes, L.cfg.latents.k)) : null;
  const secs = gen.seconds.prior + gen.seconds.diffusion;
  const consistency = fmnist && prior && L.info.numClasses === 0 && extras
    ? latentConsistency(L, prior, { rows: 30, perRow: 8, seed, batch: o.batch ?? 100, group }) : null;
  const groups = L.cfg.model.kind === 'unet' ? L.cfg.model.latentGroups : [];
  const groupSwitch = fmnist && prior && groups.length > 1 && extras
    ? groupSwitchEffect(L, prior, groups, { n: Math.min(n, GROUP_SWITCH_PAIRS), seed, batch: o.batch ?? 100, group }) : null;
  const m: ImageRunMetrics = {
    run: dir, latents: !!L.model.encoder, steps: L.step,
    fd: quality?.fdFmnist ?? null, precision: quality?.precision ?? null, recall: quality?.recall ?? null,
    recognisable: quality?.recognisable ?? null,
    n, nRef: quality?.nRef ?? 0, nfe: gen.nfe, sampler: L.cfg.sample.sampler,
    imagesPerSec: n / secs, priorShare: gen.seconds.prior / secs,
    lossVsSigma: { sigma, loss }, codesUsed: usage?.used ?? null, codePerplexity: usage?.perplexity ?? null, consistency,
    groupSwitch,
  };
  for (const t of [gen.x, gen.codes, labels, test?.x, test?.labels, sub, subLabels]) t?.dispose();
  g.dispose();
  prior?.dispose();
  L.model.dispose();
  if (!group || group.rank === 0) writeEvalMetrics(L.run.evalMetrics, m);
  return m as ImageRunMetrics & Record<string, unknown>;
}

/** Most pairs of samples per group of the group-switch measure (at most the eval's n). */
const GROUP_SWITCH_PAIRS = 200;

/** Latents shown by the code-means figure, and codes per latent. */
const CODE_MEAN_LATENTS = 4, CODE_MEAN_CODES = 12;

/**
 * The code-means figure of a Fashion-MNIST run with latents: the encoder's codes of the 10,000 test
 * images, and for the first latents the mean image of each most-used code's members.
 */
function drawCodeMeans(path: string, L: LoadedRun): void {
  const test = loadFashionMNISTTest(L.cfg.data.kind === 'fashion-mnist' ? L.cfg.data : {});
  try {
    tidy(() => {
      const x = test.x, k = L.cfg.latents.k;
      const codes = mapBatches(x.size(0), 500, (s, e) =>
        L.model.extractLatents(x.slice(0, s, e), test.labels && L.info.numClasses ? test.labels.slice(0, s, e) : undefined).codes); // (N, m)
      const latents = Array.from({ length: Math.min(CODE_MEAN_LATENTS, L.cfg.latents.m) }, (_, j) => j);
      const flat = x.flatten(1);
      const top: number[][] = [], counts: number[][] = [];
      const means = stack(latents.map((j) => {
        const onehot = F.oneHot(codes.select(1, j), k).float(); // (N, k)
        const n = onehot.sum(0); // (k)
        const sums = onehot.transpose(0, 1).matmul(flat); // (k, d)
        const byCount = n.toFlatArray().map((c, i) => [c, i] as const).sort((a, b) => b[0] - a[0]).slice(0, CODE_MEAN_CODES);
        top.push(byCount.map(([, i]) => i));
        counts.push(byCount.map(([c]) => c));
        const idx = tensor(byCount.map(([, i]) => i), { dtype: 'int64' });
        return sums.indexSelect(0, idx).div(n.indexSelect(0, idx).clamp(1).unsqueeze(1)).reshape(-1, ...x.shape.slice(1));
      }), 0);
      codeMeansFigure(path, means, top, counts, latents);
    });
  } finally {
    test.x.dispose();
    test.labels?.dispose();
  }
}

/** Sample grid, and with latents: shared-latent grid, latent switching, code means, group composition. */
export async function plotImageRun(dir: string, o: { seed?: number } = {}): Promise<Record<string, string>> {
  const L = loadRun(dir);
  const seed = o.seed ?? 0;
  const figs = L.run.figures;
  const paths: Record<string, string> = { samples: join(figs, 'samples.png') };
  const prior = L.model.encoder ? loadPrior(L.run, L.cfg, L.info.numClasses) : null;
  const g = new Generator(seed + 13);
  const s = L.cfg.sample;
  const draw = (n: number, codes?: Tensor, labels?: Tensor) => generate(L.model, L.info, { n, seed, sample: s, codes,
    labels: labels ?? labelsFor(L, n, g), batch: 100, prior: prior && { model: prior, temperature: L.cfg.prior.temperature } });
  tidy(() => {
    sampleGridFigure(paths.samples!, draw(64).x, { cols: 8 });
    if (prior && L.model.encoder) {
      const rows = 6, perRow = 8;
      const rowLabels = labelsFor(L, rows, g);
      const z = prior.sample(rows, { generator: g, labels: rowLabels, temperature: L.cfg.prior.temperature });
      const shared = draw(rows * perRow, repeatCodes(z, perRow), rowLabels ? repeatCodes(rowLabels.unsqueeze(1), perRow).squeeze(1) : undefined);
      paths.sharedLatents = join(figs, 'shared-latents.png');
      sharedLatentFigure(paths.sharedLatents, shared.x, perRow, { codes: z.toArray() as number[][] });
      const cols = 8;
      const colLabels = labelsFor(L, cols, g); // one class per column, shared by both codes
      const za = prior.sample(cols, { generator: g, labels: colLabels, temperature: L.cfg.prior.temperature });
      const zb = prior.sample(cols, { generator: g, labels: colLabels, temperature: L.cfg.prior.temperature });
      const switched = switchingRows(L.model.denoiser, L.info.shape, L.cfg.latents.k, za, zb,
        { sample: s, seed, labels: colLabels });
      paths.switching = join(figs, 'latent-switching.png');
      latentSwitchingFigure(paths.switching, switched);
      if (L.cfg.data.kind === 'fashion-mnist') {
        paths.codeMeans = join(figs, 'code-means.png');
        drawCodeMeans(paths.codeMeans, L);
      }
      const groups = L.cfg.model.kind === 'unet' ? L.cfg.model.latentGroups : [];
      if (groups.length > 1) {
        const composed = composeGroupCodes(z.slice(0, 0, 4), za.slice(0, 0, 6), groups);
        const comp = draw(24, composed);
        paths.groups = join(figs, 'group-composition.png');
        groupCompositionFigure(paths.groups, comp.x, 6);
      }
    }
  });
  // Loss vs σ comes from `eval` (metrics.json), when it has run.
  if (existsSync(L.run.evalMetrics)) {
    const m = JSON.parse(readFileSync(L.run.evalMetrics, 'utf8')) as ImageRunMetrics;
    if (m.lossVsSigma.loss.length) {
      paths.lossVsSigma = join(figs, 'loss-vs-sigma.png');
      lossVsSigmaFigure(paths.lossVsSigma, { sigma: m.lossVsSigma.sigma,
        series: [{ label: m.latents ? 'DisCo-Diff' : 'EDM', loss: m.lossVsSigma.loss }] });
    }
  }
  g.dispose();
  prior?.dispose();
  L.model.dispose();
  return paths;
}
