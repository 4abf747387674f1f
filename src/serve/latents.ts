/**
 * Class labels and latent codes for a request: labels fixed or random, and each latent either the
 * chosen code or drawn from the run's AR prior given the latents before it.
 */
import { full, randint, tensor, type Generator, type Tensor } from '../engine/index.js';
import type { SampleConfig } from '../config/schema.js';
import type { LoadedRun } from '../train/load-run.js';
import type { LatentPrior } from '../disco/prior.js';
import type { DiffusionRequest, LatentChoice } from './validate.js';

/** The loaded run the server samples from, and its prior (null without latents or Stage II). */
export interface Served {
  L: LoadedRun;
  prior: LatentPrior | null;
}

/** Labels [n] for a class-conditional run (class c, or random from `g`); undefined otherwise. */
export function drawLabels(S: Served, n: number, cls: number | null, g: Generator): Tensor | undefined {
  const C = S.L.info.numClasses;
  if (C === 0) return undefined;
  return cls === null ? randint(0, C, [n], { generator: g }) : full([n], cls, { dtype: 'int64' });
}

/** Codes [n, m] (int64) following `choices`; null for a run without latents. */
export function drawCodes(S: Served, n: number, choices: readonly LatentChoice[], g: Generator, labels?: Tensor): Tensor | null {
  if (!S.L.model.encoder) return null;
  if (choices.every((c) => c !== null)) {
    return tensor(Array.from({ length: n }, () => choices).flat(), { dtype: 'int64', shape: [n, choices.length] });
  }
  if (!S.prior) throw new Error('this run has no trained prior: choose a code for every latent');
  return S.prior.sample(n, { labels, temperature: S.L.cfg.prior.temperature, generator: g, fixed: choices });
}

/** The run's sampling settings with the request's steps, sampler and guidance. */
export function sampleSettings(S: Served, r: DiffusionRequest): SampleConfig {
  return { ...S.L.cfg.sample, steps: r.steps, sampler: r.sampler, guidance: r.guidance };
}
