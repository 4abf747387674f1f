/**
 * What the page and the validator know about the served run: its kind (2-D points, images or
 * docking), latents, classes, the sampling defaults, and the limits every request is checked against.
 */
import { SampleConfig } from '../config/schema.js';
import type { LoadedRun } from '../train/load-run.js';
import { PALETTE } from '../plot/colors.js';
import type { DockingFacts } from './docking-facts.js';
import { LIMITS } from './limits.js';

/** The sampler names a run config accepts. */
export const SAMPLER_NAMES = SampleConfig.shape.sampler.unwrap().options;

/** The facts of a diffusion run (2-D points or images). */
export interface DiffusionFacts {
  /** The config's name and the run directory as given on the command line. */
  name: string;
  run: string;
  kind: 'points' | 'images';
  /** One sample's shape, e.g. [2] or [1, 32, 32]. */
  shape: number[];
  /** Stage-I training steps. */
  step: number;
  /** m latents of k codes, or null for a plain EDM run. */
  latents: { m: number; k: number } | null;
  /** Whether a trained AR prior exists (else every latent must be chosen). */
  prior: boolean;
  numClasses: number;
  /** The run's sampling settings, the page's defaults. */
  sample: SampleConfig;
  samplers: readonly string[];
  /** Colours of codes 0, 1, … (the figures' palette). */
  palette: readonly string[];
  limits: typeof LIMITS;
}

/** The facts of any served run. */
export type RunFacts = DiffusionFacts | DockingFacts;

/** The facts of a loaded run; throws when its samples are neither 2-D points nor images. */
export function runFacts(L: LoadedRun, dir: string, hasPrior: boolean): DiffusionFacts {
  const shape = L.info.shape;
  const kind = shape.length === 1 && shape[0] === 2 ? 'points' : shape.length === 3 ? 'images' : null;
  if (!kind) throw new Error(`serve: can show 2-D points or images [C, H, W], but ${dir} has samples of shape [${shape}]`);
  const enc = L.model.encoder;
  return {
    name: L.cfg.name, run: dir, kind, shape, step: L.step,
    latents: enc ? { m: enc.m, k: enc.k } : null,
    prior: hasPrior, numClasses: L.info.numClasses, sample: L.cfg.sample, samplers: SAMPLER_NAMES, palette: PALETTE, limits: LIMITS,
  };
}
