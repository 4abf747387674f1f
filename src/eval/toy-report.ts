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

type Pair<T> = { dm: T; disco: T };
type WithFloor = { dm: number; disco: number; floor: number };

/** The demo's summary (metrics.json): both runs' numbers side by side; null where not measured for these data. */
export interface ToySummary {
  data: string;
  dim: number;
  /** W2 to the reference and its floor: means and standard deviations over `w2_draws` draws. */
  w2: WithFloor;
  w2_spread: WithFloor;
  w2_draws: number;
  /** DisCo-Diff − DM in W2, paired by draw. */
  w2_difference: ReturnType<typeof pairedDifference>;
  w2_kind: W2Kind;
  w2_reference: ReferenceSource;
  /** W2 within the modes of a known mixture over the same draws: the headline there, as the mode-weight lottery does not move it. */
  w2_modes: WithFloor | null;
  w2_modes_spread: WithFloor | null;
  w2_modes_difference: ReturnType<typeof pairedDifference> | null;
  off_mode: Pair<number | null>;
  low_nfe_w2: Record<string, Pair<number>>;
  turning_mean: Pair<number>;
  curvature_lower_fraction: number;
  turning_lower_fraction: number;
  max_mode_weight_error: Pair<number | null>;
  purity: number | null;
  codes_used: number | null;
  prior_share_of_sampling: number;
  nfe: number;
  train_steps_per_sec: Pair<number>;
  n: number;
  steps: Pair<number>;
}

/** The demo's summary of a DM run and a DisCo-Diff run on the same data. */
export function summary(dm: ToyMetrics, disco: ToyMetrics, speed: Pair<number>): ToySummary {
  const lower = (a: TimeSeries, b: TimeSeries) => a.value.filter((v, i) => b.value[i]! < v).length / Math.max(1, a.value.length);
  const modes = dm.w2ModesByDraw && disco.w2ModesByDraw;
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
    w2_modes: modes ? { dm: dm.w2Modes!, disco: disco.w2Modes!, floor: dm.w2ModesFloor! } : null,
    w2_modes_spread: modes ? { dm: dm.w2ModesSpread!, disco: disco.w2ModesSpread!, floor: dm.w2ModesFloorSpread! } : null,
    w2_modes_difference: modes ? pairedDifference(...paired(dm.w2ModesByDraw!, disco.w2ModesByDraw!)) : null,
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

/** A paired difference in words: "+0.012 ± 0.004 (standard error): DisCo-Diff higher". */
const differenceText = (d: ReturnType<typeof pairedDifference>, f: (v: number) => string) =>
  `${d.mean >= 0 ? '+' : ''}${f(d.mean)} ± ${f(d.se)} (standard error): ${['lower', 'higher'].includes(d.verdict) ? `DisCo-Diff ${d.verdict}` : d.verdict}`;

/** report.md: what the data are, the metrics table (rows that were measured) and the figures drawn. */
export function writeReport(path: string, S: ToySummary, figures: Record<string, string>): void {
  const f = (v: number, d = 3) => v.toFixed(d);
  const rel = (p: string) => relative(join(path, '..'), p);
  const row = (label: string, v: Pair<number | null>, d = 3) =>
    (v.dm === null || v.disco === null ? [] : [`| ${label} | ${f(v.dm, d)} | ${f(v.disco, d)} |`]);
  const w2 = S.w2_kind === 'sliced' ? 'Sliced W2' : 'W2';
  const against = S.w2_reference === 'fresh' ? 'fresh data from the same generator' : 'points of the training data';
  const pm = (m: WithFloor, sd: WithFloor, k: keyof WithFloor) => `${f(m[k])} ± ${f(sd[k])}`;
  const withFloor = (label: string, m: WithFloor | null, sd: WithFloor | null) =>
    (m && sd ? [`| ${label} (floor ${pm(m, sd, 'floor')}) | ${pm(m, sd, 'dm')} | ${pm(m, sd, 'disco')} |`] : []);
  const rows = [
    ...withFloor(`${w2} within modes`, S.w2_modes, S.w2_modes_spread),
    ...withFloor(`${w2} to ${S.w2_reference === 'fresh' ? 'fresh data' : 'training points'}`, S.w2, S.w2_spread),
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
    `${w2} and its floor (${w2} between two reference draws): mean ± standard deviation over ${S.w2_draws} draws of new samples and new reference points; the other rows: the first draw.`,
    ...(S.w2_modes_difference ? [
      `${w2} within modes: every point goes to its nearest mode and each mode's points are compared with the reference's there, averaged by the true weights,`,
      `so the lottery of how many points each mode holds (which dominates ${w2} at this n) does not move it; the mode weights are the rows below.`,
      `DisCo-Diff − DM in ${w2} within modes, paired by draw: ${differenceText(S.w2_modes_difference, f)}.`] : []),
    `DisCo-Diff − DM in ${w2}, paired by draw: ${differenceText(S.w2_difference, f)}.`,
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
