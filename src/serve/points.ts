/**
 * The 2-D page's job: samples under chosen latents with their codes, the ODE trajectories of the
 * first few, and fresh data from the run's generator to compare with.
 */
import { Generator, stack, tidy, type NestedArray, type Tensor } from '../engine/index.js';
import { generate } from '../disco/sample.js';
import { makeToy } from '../data/toy.js';
import { drawCodes, sampleSettings, type Served } from './latents.js';
import type { PointsRequest } from './validate.js';

/** Seed of the comparison data: the same points for every request. */
const DATA_SEED = 1_000_003;

export interface PointsResult {
  kind: 'points';
  /** Samples [n][2] and their codes [n][m] (null without latents). */
  samples: number[][];
  codes: number[][] | null;
  /** Trajectories [M][steps + 1][2] of the first M samples, from σ_max to 0. */
  trajectories: number[][][];
  /** Fresh data [n][2] and its components (mixture component, moon, cell …). */
  data: number[][];
  dataLabels: number[];
  nfe: number;
  seconds: number;
}

export function samplePoints(S: Served, r: PointsRequest, progress: (done: number, total: number) => void): PointsResult {
  const cfg = S.L.cfg.data;
  if (cfg.kind !== 'toy') throw new Error(`a 2-D page needs a toy run, this one has data.kind = ${cfg.kind}`);
  const g = new Generator(r.latentSeed), dataGen = new Generator(DATA_SEED);
  try {
    return tidy(() => {
      const codes = drawCodes(S, r.n, r.latents, g);
      const out = generate(S.L.model, S.L.info, { n: r.n, seed: r.seed, sample: sampleSettings(S, r), codes: codes ?? undefined,
        keepTrajectory: r.trajectories > 0, onStep: (s) => progress(s.i + 1, r.steps) });
      const data = makeToy(cfg.name, r.n, dataGen, { iid: true });
      const trajectories = r.trajectories ? stack(out.trajectory.map((x) => x.slice(0, 0, r.trajectories)), 1) : null; // (M, T, 2)
      return {
        kind: 'points', samples: rounded(out.x) as number[][], codes: (codes?.toArray() as number[][] | undefined) ?? null,
        trajectories: trajectories ? rounded(trajectories) as number[][][] : [],
        data: rounded(data.x) as number[][], dataLabels: data.labels.toFlatArray(), nfe: out.nfe, seconds: out.seconds.diffusion,
      };
    });
  } finally {
    g.dispose();
    dataGen.dispose();
  }
}

/** A tensor's values at 4 decimals (JSON for the page stays small). */
function rounded(t: Tensor): NestedArray {
  const round = (v: NestedArray): NestedArray => (Array.isArray(v) ? v.map(round) : typeof v === 'number' ? Math.round(v * 1e4) / 1e4 : v);
  return round(t.toArray());
}
