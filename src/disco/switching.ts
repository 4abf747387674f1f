/**
 * Latent manipulations for DisCo-Diff's (Xu et al. 2024) image analyses: switching z part-way
 * through sampling (the paper's Fig. 7b: late switches barely change the sample), rows of samples
 * that share one z, and group-hierarchical composition (low-resolution groups from one code, the
 * others from another).
 */
import { Generator, cat, noGrad, tensor, tidy, where, type Tensor } from '../engine/index.js';
import type { SampleConfig } from '../config/schema.js';
import type { EDMPrecond } from '../edm/precond.js';
import { edmSigmas } from '../edm/schedule.js';
import { SAMPLERS, type Denoiser, type SampleResult, type SamplerName, type SamplerOptions } from '../edm/samplers.js';
import type { Conditioning } from './conditioning.js';
import { oneHotCodes } from './gumbel.js';
import { latentDenoiser } from './denoiser.js';
import { initialNoise } from './sample.js';

/**
 * Integrates from x0 (noise already scaled to σ_0) with conditioning `condA` for the first
 * `switchStep` sampler steps and `condB` for the rest (both evaluations of a Heun step use the
 * same conditioning). switchStep = 0 → all B; switchStep = N → all A.
 */
export function sampleWithSwitch(denoiser: EDMPrecond<Conditioning>, x0: Tensor, sigmas: number[], condA: Conditioning,
  condB: Conditioning, switchStep: number,
  o: { sampler: SamplerName; guidance: number } & Pick<SamplerOptions, 'generator' | 'restart' | 'rho'>): SampleResult {
  const Da = latentDenoiser(denoiser, condA, o.guidance);
  const Db = latentDenoiser(denoiser, condB, o.guidance);
  let step = 0;
  const D: Denoiser = (x, sigma) => (step < switchStep ? Da : Db)(x, sigma);
  return noGrad(() => SAMPLERS[o.sampler](D, x0, sigmas,
    { generator: o.generator, restart: o.restart, rho: o.rho, onStep: (s) => { step = s.i + 1; } }));
}

/** One row of the switching figure. */
export interface SwitchRow {
  label: string;
  /** [n, …] float32 */
  images: Tensor;
}

/**
 * The switching experiment: for each column j the same initial noise (`generate`'s for sample j
 * of the seed, src/disco/sample.ts `initialNoise`), sampled with codes
 * codesA[j] throughout, switched to codesB[j] after each fraction of the steps, and codesB[j]
 * throughout. Rows: "z₁ only", "switch at 25%", …, "z₂ only".
 */
export function switchingRows(denoiser: EDMPrecond<Conditioning>, shape: number[], k: number, codesA: Tensor, codesB: Tensor,
  o: { sample: SampleConfig; seed: number; fractions?: number[]; labels?: Tensor }): SwitchRow[] {
  const n = codesA.size(0);
  const sigmas = edmSigmas(o.sample.steps, o.sample);
  const N = sigmas.length - 1;
  const fractions = o.fractions ?? [0.25, 0.5, 0.75];
  const points = [{ label: 'z₁ only', step: N }, ...fractions.map((f) => ({ label: `switch at ${Math.round(100 * f)}%`,
    step: Math.round(f * N) })), { label: 'z₂ only', step: 0 }];
  return tidy(() => {
    const x0 = initialNoise(shape, n, o.seed).mul(sigmas[0]!);
    const condA: Conditioning = { latents: oneHotCodes(codesA, k), labels: o.labels };
    const condB: Conditioning = { latents: oneHotCodes(codesB, k), labels: o.labels };
    return points.map(({ label, step }) => {
      const sg = new Generator(o.seed + 1); // the same churn noise in every row (stochastic sampler)
      try {
        const r = sampleWithSwitch(denoiser, x0, sigmas, condA, condB, step,
          { sampler: o.sample.sampler, restart: o.sample.restart, rho: o.sample.rho, guidance: o.sample.guidance, generator: sg });
        return { label, images: r.x.to({ dtype: 'float32' }) };
      } finally {
        sg.dispose();
      }
    });
  });
}

/** Codes [R, m] → [R·perRow, m], each row repeated perRow times (for shared-latent grids). */
export function repeatCodes(codes: Tensor, perRow: number): Tensor {
  return tidy(() => cat(Array.from({ length: codes.size(0) }, (_, r) => codes.slice(0, r, r + 1).expand(perRow, codes.size(1)))));
}

/** Codes [n, m] taking the latents of the groups listed in `fromB` from b and all other groups from a (row by row). */
export function mixGroupCodes(a: Tensor, b: Tensor, groups: number[], fromB: number[]): Tensor {
  const m = groups.reduce((x, y) => x + y, 0);
  if (a.size(1) !== m || b.size(1) !== m) throw new Error(`group codes must be [·, ${m}]`);
  if (a.size(0) !== b.size(0)) throw new Error(`group codes: ${a.size(0)} rows against ${b.size(0)}`);
  const fromLatent = groups.flatMap((g, i) => Array<boolean>(g).fill(fromB.includes(i)));   // per latent: take b's code
  return tidy(() => where(tensor(fromLatent, { dtype: 'bool', device: a.device }), b, a));
}

/**
 * Group-hierarchical composition codes: cell (r, c) of an R × C grid takes the latents of the
 * groups listed in `fromRow` (default: group 0, the lowest resolution) from rowCodes[r] and all
 * other groups from colCodes[c]. Returns [R·C, m] in row order.
 */
export function composeGroupCodes(rowCodes: Tensor, colCodes: Tensor, groups: number[], fromRow: number[] = [0]): Tensor {
  return tidy(() => {
    const R = rowCodes.size(0), C = colCodes.size(0);
    const cols = cat(Array.from({ length: R }, () => colCodes));   // cell (r, c): colCodes[c]
    return mixGroupCodes(cols, repeatCodes(rowCodes, C), groups, fromRow);
  });
}
