/**
 * Rebuilds a trained docking run from its directory: its config, the score network with the EMA
 * weights and, with pointer latents, the encoder beside it and the Stage-II prior, which must have
 * been fitted to that encoder.
 */
import { assertFinite, type Device } from '../engine/index.js';
import { loadCheckpoint } from '../io/index.js';
import { isCount } from '../io/json.js';
import { isDockingConfig, parseDockingConfig } from '../config/load.js';
import { DockingPriorConfig, type DockingConfig } from '../config/docking.js';
import { createDockingNetworks, createLatentPrior } from '../docking/model.js';
import type { DockingScoreNet } from '../docking/score-net.js';
import type { DockingLatentEncoder } from '../docking/latent-encoder.js';
import type { DockingLatentPrior } from '../docking/latent-prior.js';
import { encoderDigest, staleness, type EncoderRecord } from './load-run.js';
import { RunDir } from './run-dir.js';

/** A trained docking run: config, step, and its networks (EMA weights, eval mode; dispose net and encoder). */
export interface DockingRun {
  run: RunDir;
  cfg: DockingConfig;
  step: number;
  net: DockingScoreNet;
  /** The latent encoder; null for a DM. */
  encoder: DockingLatentEncoder | null;
  /** The encoder as a prior records what it was fitted to; null for a DM. */
  encoderRecord: EncoderRecord | null;
}

/** Loads `dir`'s checkpoint; the networks hold the EMA weights, as sampling uses them. */
export function loadDockingRun(dir: string, device: Device = 'cpu'): DockingRun {
  const run = new RunDir(dir);
  run.require(run.checkpoint, 'a trained docking run (run `disco-diff train` with a docking config first)');
  const ck = loadCheckpoint(run.checkpoint);
  try {
    const { stage, step, config } = ck.meta;
    if (stage !== 'docking' || !isCount(step) || !isDockingConfig(config)) {
      throw new Error(`${run.checkpoint} is not a docking checkpoint (stage ${String(stage)}); \`dock\` needs a run trained with a docking config`);
    }
    const cfg = parseDockingConfig(config, `config stored in ${run.checkpoint}`);
    // A shipped model (scripts/docking/ship-model.ts) keeps only the EMA weights, as `model.*`.
    const weights = ck.meta.shipped === true ? ck.model : ck.ema;
    assertFinite(weights, `EMA weights in ${run.checkpoint}`);
    const nets = createDockingNetworks(cfg);
    try {
      nets.module.to({ device }).loadStateDict(weights);
    } catch (e) {
      nets.module.dispose();
      throw new Error(`${run.checkpoint}: ${(e as Error).message}`);
    }
    nets.module.eval();
    const encoderRecord = nets.encoder ? { step, digest: encoderDigest(weights) } : null;
    return { run, cfg, step, net: nets.score, encoder: nets.encoder, encoderRecord };
  } finally {
    ck.dispose();
  }
}

/**
 * The Stage-II prior of a run with latents (src/train/docking-prior.ts), in eval mode. A prior
 * fitted to another encoder than the checkpoint's (e.g. before `train --resume` trained on) is
 * refused unless `o.stale`.
 */
export function loadDockingPrior(r: DockingRun, o: { stale?: boolean } = {}): DockingLatentPrior {
  if (!r.encoderRecord) throw new Error(`${r.run.root} is a docking DM run (latents.enabled = false): it has no latent prior`);
  r.run.require(r.run.prior, 'a run with a trained prior (run `disco-diff train-prior` first)');
  const ck = loadCheckpoint(r.run.prior);
  try {
    const { stage, fittedTo, prior } = ck.meta;
    const sizes = DockingPriorConfig.safeParse(prior);
    if (stage !== 'docking-prior' || !sizes.success) throw new Error(`corrupt prior ${r.run.prior}: it lacks the docking prior's settings`);
    const stale = o.stale ? null : staleness(fittedTo, r.encoderRecord);
    if (stale) throw new Error(`the prior ${r.run.prior} ${stale}: rerun \`disco-diff train-prior --run ${r.run.root}\``);
    assertFinite(ck.model, `the prior weights of ${r.run.prior}`);
    const p = createLatentPrior(r.cfg, sizes.data).to({ device: r.net.scale.device });
    try {
      p.loadStateDict(ck.model);
    } catch (e) {
      p.dispose();
      throw new Error(`${r.run.prior}: ${(e as Error).message}`);
    }
    return p.eval();
  } finally {
    ck.dispose();
  }
}
