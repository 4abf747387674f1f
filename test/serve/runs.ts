// Small trained runs for the serve tests: 8 Gaussians (MLP, 1 latent of 8 codes), a tiny
// Fashion-MNIST U-Net (16×16, 2 latents of 4 codes) and a tiny DisCo-DiffDock run on the docking data
// set's CI slice (1HPV, 2 pointer latents), each with its prior. Seconds to train.
import { join } from 'node:path';
import { parseConfig, parseDockingConfig } from '../../src/config/load.js';
import { trainStage1 } from '../../src/train/stage1.js';
import { trainPrior } from '../../src/train/stage2.js';
import { trainDocking } from '../../src/train/docking.js';
import { trainDockingPrior } from '../../src/train/docking-prior.js';

/** 1 latent of 8 codes: the schema's defaults. */
export const TOY_CONFIG = {
  name: 'serve-toy',
  data: { kind: 'toy', name: '8gaussians', n: 400 },
  model: { kind: 'mlp', hidden: 32, layers: 3, embDim: 16 },
  encoder: { kind: 'mlp', hidden: 32, layers: 2 },
  train: { steps: 30, batch: 128, logEvery: 30, checkpointEvery: 30 },
  prior: { steps: 20, batch: 64, dim: 16, layers: 1, heads: 2 },
  sample: { steps: 8 },
};

/** 60 steps at lr 0.01 without EMA: enough for the latents to change the samples visibly. */
export const IMAGE_CONFIG = {
  name: 'serve-images',
  data: { kind: 'fashion-mnist', resolution: 16, limit: 64 },
  model: { kind: 'unet', channels: 8, channelMult: [1, 2], numBlocks: 1, attnResolutions: [], heads: 1, latentDim: 16,
    latentLayers: 0, dropout: 0 },
  latents: { m: 2, k: 4 },
  encoder: { kind: 'vit', patch: 4, dim: 16, depth: 1, heads: 2 },
  train: { steps: 60, batch: 16, lr: 0.01, warmupSteps: 0, emaDecay: 0, logEvery: 60, checkpointEvery: 60 },
  prior: { steps: 10, batch: 32, dim: 16, layers: 1, heads: 2 },
  sample: { steps: 6 },
};

/** The CLI test's tiny config (test/docking/cli.test.ts) with pointer latents, 2 sampler steps and a short refinement. */
export const DOCKING_CONFIG = {
  domain: 'docking',
  data: { receptors: ['1HPV'], limit: 4 },
  model: { hidden: 16, layers: 1, rbf: 8 },
  train: { steps: 2, batch: 2, logEvery: 1, checkpointEvery: 2, threads: 1 },
  sample: { n: 4, steps: 2, refine: 5 },
  latents: { enabled: true, encoderLayers: 1, prior: { hidden: 8, layers: 1, steps: 3, batch: 2 } },
};

/** Trains `config` (Stage I, then the prior) into `dir`/`name`; returns the run directory. */
export async function trainRun(dir: string, name: string, config: object): Promise<string> {
  const run = join(dir, name);
  await trainStage1(parseConfig(config), run, { quiet: true });
  await trainPrior(run, { quiet: true });
  return run;
}

/** Trains DOCKING_CONFIG (score network and encoder, then the pointer prior) into `dir`/`name`; returns the run directory. */
export async function trainDockingRun(dir: string, name: string): Promise<string> {
  const run = join(dir, name);
  await trainDocking(parseDockingConfig(DOCKING_CONFIG), run, { quiet: true });
  await trainDockingPrior(run, { quiet: true });
  return run;
}
