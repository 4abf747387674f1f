/** The comparison of a plain DM run and a DisCo-Diff run on vector data: figures, metrics table, report. */
import { mkdirSync } from 'node:fs';
import { tidy, type Tensor } from '../engine/index.js';
import { writeTextAtomic } from '../io/index.js';
import { join, relative } from 'node:path';
import { fig3, fig4, lossVsSigmaFigure } from '../plot/figures.js';
import { scatterSamples } from '../plot/samples.js';
import { principalAxes, projectOnAxes } from '../plot/pca.js';
import type { ReferenceSource, ToyArtifacts, ToyMetrics } from './toy.js';
import type { W2Kind } from '../metrics/ot.js';
import { pairedDifference } from '../metrics/repeats.js';
import { lowNfeLabel } from './low-nfe.js';
import type { TimeSeries } from '../metrics/curvature.js';

/** One model's metrics and artifacts in the toy report. */
export interface ToySide {
  metrics: ToyMetrics;
  artifacts: ToyArtifacts;
}

/** Trajectories drawn per panel of Fig. 3. */
const DRAWN = 24;

/** Fig. 3's box ±4.5 for the toy sets, as in the paper. */
const TOY_BOX = 4.5;

/**
 * Writes fig3.png (D ≥ 2: the points as they are for D = 2, on the data's first two principal
 * components for D > 2; none for D = 1), fig4.png and loss-vs-sigma.png for DM vs DisCo-Diff;
 * returns the paths written.
 */
export function compareFigures(dir: string, dm: ToySide, disco: ToySide): Record<string, string> {
  const D = dm.metrics.dim;
  if (disco.metrics.dim !== D) throw new Error(`compareFigures: the runs' points differ in dimension (${D} vs ${disco.metrics.dim})`);
  const codes = disco.artifacts.codes;
  if (!codes) throw new Error(`compareFigures: ${disco.metrics.run} has no latents; one of the two runs must be a DisCo-Diff run`);
  mkdirSync(dir, { recursive: true });
  const paths = { fig4: join(dir, 'fig4.png'), lossVsSigma: join(dir, 'loss-vs-sigma.png') };
  const fig3Path = D >= 2 ? join(dir, 'fig3.png') : null;
  if (fig3Path) drawFig3(fig3Path, dm, disco, codes);
  fig4(paths.fig4, {
    curvature: [curve('DM', dm.metrics.curvature), curve('DisCo-Diff', disco.metrics.curvature)],
    jacobian: [curve('DM', dm.metrics.jacobian), curve('DisCo-Diff', disco.metrics.jacobian)],
  }, { curvatureYlog: true });
  lossVsSigmaFigure(paths.lossVsSigma, { sigma: dm.metrics.lossVsSigma.sigma, series: [
    { label: 'DM', loss: dm.metrics.lossVsSigma.loss }, { label: 'DisCo-Diff', loss: disco.metrics.lossVsSigma.loss }] });
  return fig3Path ? { fig3: fig3Path, ...paths } : paths;
}

/** Fig. 3 with some trajectories; for D > 2 everything on the first two principal components of the data. */
function drawFig3(path: string, dm: ToySide, disco: ToySide, codes: Tensor): void {
  tidy(() => {
    const p = dm.metrics.dim === 2 ? null : principalAxes(dm.artifacts.data);
    const flat = (t: Tensor) => (p ? projectOnAxes(t, p) : t);
    const some = (t: ToyArtifacts) => flat(t.trajectories.slice(1, 0, DRAWN));
    const w2 = dm.metrics.w2Kind === 'sliced' ? 'sliced W2' : 'W2';
    fig3(path, {
      data: flat(dm.artifacts.data), dataLabels: dm.artifacts.dataLabels ?? undefined,
      dm: flat(dm.artifacts.samples), dmTrajectories: some(dm.artifacts),
      disco: flat(disco.artifacts.samples), codes: codes.select(1, 0),
      discoTrajectories: some(disco.artifacts), trajectoryCodes: disco.artifacts.trajectoryCodes?.slice(0, 0, DRAWN).select(1, 0),
    }, {
      lim: dm.metrics.w2Reference === 'fresh' ? TOY_BOX : undefined,
      title: p ? `First two principal components of the data (D = ${dm.metrics.dim})` : undefined,
      notes: [`${w2} floor ${dm.metrics.w2Floor.toFixed(3)}`, `${w2} ${dm.metrics.w2.toFixed(3)}`, `${w2} ${disco.metrics.w2.toFixed(3)}`],
    });
  });
}

/** Figures of a single run: its samples (coloured by latent) and loss vs σ. */
export function runFigures(dir: string, side: ToySide): Record<string, string> {
  mkdirSync(dir, { recursive: true });
  const paths = { samples: join(dir, 'samples.png'), lossVsSigma: join(dir, 'loss-vs-sigma.png') };
  scatterSamples(paths.samples, side.artifacts.samples, side.artifacts.codes);
  lossVsSigmaFigure(paths.lossVsSigma, { sigma: side.metrics.lossVsSigma.sigma,
    series: [{ label: side.metrics.latents ? 'DisCo-Diff' : 'DM', loss: side.metrics.lossVsSigma.loss }] });
  return paths;
}

const curve = (label: string, s: { t: number[]; value: number[] }) => ({ label, t: s.t, value: s.value });

/** The demo's summary: the keys the issue promises plus the rest of both models' numbers. */
export function summary(dm: ToyMetrics, disco: ToyMetrics, speed: { dm: number; disco: number }): Record<string, unknown> {
  const lower = (a: TimeSeries, b: TimeSeries) => a.value.filter((v, i) => b.value[i]! < v).length / Math.max(1, a.value.length);
  return {
    data: dm.data,
    dim: dm.dim,
    w2: { dm: dm.w2, disco: disco.w2, floor: dm.w2Floor },
    w2_spread: { dm: dm.w2Spread, disco: disco.w2Spread, floor: dm.w2FloorSpread },
    w2_draws: dm.w2Draws,
    // Draw r uses the same seeds whatever the number of draws, so the first draws pair up.
    w2_difference: pairedDifference(...paired(dm.w2ByDraw, disco.w2ByDraw)),
    w2_kind: dm.w2Kind,
    w2_reference: dm.w2Reference,
    off_mode: { dm: dm.offMode, disco: disco.offMode },
    low_nfe_w2: Object.fromEntries(Object.keys(dm.lowNfe).map((k) => [k, { dm: dm.lowNfe[k]!, disco: disco.lowNfe[k]! }])),
    turning_mean: { dm: dm.turningMean, disco: disco.turningMean },
    curvature_lower_fraction: lower(dm.curvature, disco.curvature),
    turning_lower_fraction: lower(dm.turning, disco.turning),
    max_mode_weight_error: { dm: dm.maxWeightError, disco: disco.maxWeightError },
    purity: disco.purity,
    codes_used: disco.codesUsed,
    prior_share_of_sampling: disco.priorShare,
    nfe: disco.nfe,
    train_steps_per_sec: speed,
    n: dm.n,
    steps: { dm: dm.steps, disco: disco.steps },
  };
}

const paired = (a: number[], b: number[]): [number[], number[]] => {
  const n = Math.min(a.length, b.length);
  return [a.slice(0, n), b.slice(0, n)];
};

/** The summary's fields as `writeReport` reads them (null: not measured for these data). */
interface Summary {
  data: string; dim: number; w2_kind: W2Kind; w2_reference: ReferenceSource;
  w2: Record<'dm' | 'disco' | 'floor', number>; w2_spread: Record<'dm' | 'disco' | 'floor', number>; w2_draws: number;
  w2_difference: ReturnType<typeof pairedDifference>;
  off_mode: Pair<number | null>; max_mode_weight_error: Pair<number | null>;
  turning_mean: Pair<number>; purity: number | null; codes_used: number | null; prior_share_of_sampling: number;
  nfe: number; n: number; train_steps_per_sec: Pair<number>; steps: Pair<number>;
  curvature_lower_fraction: number; turning_lower_fraction: number; low_nfe_w2: Record<string, Pair<number>>;
}
type Pair<T> = { dm: T; disco: T };

/** report.md: what the data are, the metrics table (rows that were measured) and the figures drawn. */
export function writeReport(path: string, s: Record<string, unknown>, figures: Record<string, string>): void {
  const S = s as unknown as Summary;
  const f = (v: number, d = 3) => v.toFixed(d);
  const rel = (p: string) => relative(join(path, '..'), p);
  const row = (label: string, v: Pair<number | null>, d = 3) =>
    (v.dm === null || v.disco === null ? [] : [`| ${label} | ${f(v.dm, d)} | ${f(v.disco, d)} |`]);
  const w2 = S.w2_kind === 'sliced' ? 'Sliced W2' : 'W2';
  const against = S.w2_reference === 'fresh' ? 'fresh data from the same generator' : 'points of the training data';
  const pm = (k: 'dm' | 'disco' | 'floor') => `${f(S.w2[k])} ± ${f(S.w2_spread[k])}`;
  const rows = [
    `| ${w2} to ${S.w2_reference === 'fresh' ? 'fresh data' : 'training points'} (floor ${w2}(data, data) = ${pm('floor')}) | ${pm('dm')} | ${pm('disco')} |`,
    ...row('off-mode fraction (> 5σ from every mode)', S.off_mode, 4),
    ...row('largest mode-weight error', S.max_mode_weight_error, 4),
    ...Object.entries(S.low_nfe_w2).map(([k, v]) => `| ${w2} at low NFE: ${lowNfeLabel(k)} | ${f(v.dm)} | ${f(v.disco)} |`),
    ...row('mean turning of the ODE per unit ln σ (rad)', S.turning_mean),
    ...row('training steps / s', S.train_steps_per_sec, 1),
  ];
  const latents = [
    ...(S.purity === null ? [] : [`Latent purity (codes vs true components): ${f(100 * S.purity, 1)}%.`]),
    ...(S.codes_used === null ? [] : [`Codes used: ${S.codes_used}.`]),
  ];
  const section = (title: string, key: string) => (figures[key] ? [`## ${title}`, `![${key}](${rel(figures[key])})`, ''] : []);
  const md = [
    `# DisCo-Diff vs plain DM on ${S.data} (D = ${S.dim})`,
    '',
    `Both models: the same MLP denoiser (${S.steps.dm} / ${S.steps.disco} Stage-I steps), ${S.nfe} NFE.`,
    'DisCo-Diff adds discrete latents, their encoder and an AR prior.',
    `Metrics at n = ${S.n} samples against ${against}${S.w2_kind === 'sliced' ? '; W2 is the sliced W2 (D too large for the exact one)' : ''}.`,
    `${w2} and its floor: mean ± standard deviation over ${S.w2_draws} draws of new samples and new reference points; the other rows: the first draw.`,
    `DisCo-Diff − DM in ${w2}, paired by draw: ${S.w2_difference.mean >= 0 ? '+' : ''}${f(S.w2_difference.mean)} ± ${f(S.w2_difference.se)} (standard error): ` +
      `${['lower', 'higher'].includes(S.w2_difference.verdict) ? `DisCo-Diff ${S.w2_difference.verdict}` : S.w2_difference.verdict}.`,
    '',
    '| metric | plain DM | DisCo-Diff |',
    '|---|---|---|',
    ...rows,
    '',
    ...latents,
    `DisCo-Diff's curvature is below the DM's at ${f(100 * S.curvature_lower_fraction, 0)}% of the sampler's σ`,
    `(turning per unit ln σ: ${f(100 * S.turning_lower_fraction, 0)}%).`,
    `AR prior: ${f(100 * S.prior_share_of_sampling, 2)}% of sampling time.`,
    '',
    ...section(S.dim === 2 ? 'Samples (Fig. 3)' : 'Samples on the first two principal components (Fig. 3)', 'fig3'),
    ...section('Curvature and network complexity along the ODE (Fig. 4)', 'fig4'),
    ...section('Loss vs σ', 'lossVsSigma'),
  ].join('\n');
  writeTextAtomic(path, md);
}
