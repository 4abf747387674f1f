/**
 * Stage II of DisCo-DiffDock (Xu et al. 2024): fits the autoregressive pointer prior
 * (src/docking/latent-prior.ts) of a trained docking run to the run's encoder. Each step takes
 * complexes of the training split with one reference mode each (by Boltzmann weight); the encoder's
 * pointer probabilities at that mode are the soft targets, the earlier latents are drawn from them
 * (teacher forcing), and the prior sees the complex through the score network at t = 1 with the
 * ligand at the receptor's centre (where `dock` starts without a pocket), randomly rotated and
 * twisted. Writes prior.safetensors, recording the encoder it was fitted to, and
 * prior-metrics.jsonl; they replace the earlier ones only when the fit has finished.
 */
import { mkdirSync, renameSync, rmdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Generator, manualSeed, noGrad, tidy, type Device, type Tensor } from '../engine/index.js';
import { Adam, warmupCosine } from '../optim/index.js';
import { saveCheckpoint } from '../io/index.js';
import type { DockingConfig, DockingPriorConfig } from '../config/docking.js';
import { pointerGumbel, pointerSoftmax } from '../disco/pointer.js';
import { Rng } from '../pose/random.js';
import { loadComplexes, type Complex } from '../docking/complexes.js';
import { complexBatch, disposeGraph } from '../docking/featurize.js';
import type { DockingLatentEncoder } from '../docking/latent-encoder.js';
import { disposeContext, priorContext } from '../docking/latent-prior.js';
import { createLatentPrior } from '../docking/model.js';
import { nodeLayout, stackNodes } from '../docking/pointers.js';
import { drawMode, nextBatch, type Cursor } from './docking.js';
import { appendJsonl } from './jsonl.js';
import { loadDockingRun, type DockingRun } from './load-docking-run.js';
import { Progress } from './progress.js';
import { RunDir } from './run-dir.js';
import { withRunLock } from './run-lock.js';
import { Interrupted, StopSignals } from './signals.js';

/** The outcome of a prior fit: the loss (mean cross-entropy per latent, nats) of its last logged rows. */
export interface DockingPriorResult {
  finalLoss: number;
}

/** Metrics rows of the fit every this many steps. */
const LOG_EVERY = 100;

/**
 * Stage II on the docking run in `dir`, holding its lock; `o.prior` replaces the run's
 * latents.prior settings (they are stored with the prior).
 */
export async function trainDockingPrior(dir: string, o: { quiet?: boolean; prior?: DockingPriorConfig } = {}): Promise<DockingPriorResult> {
  const run = new RunDir(dir);
  run.require();
  return withRunLock(run, 'train-prior', o.quiet, async () => {
    const r = loadDockingRun(dir);
    const next = new RunDir(join(run.root, 'prior-next'));
    try {
      if (!r.encoder) throw new Error(`${dir} is a docking DM run (latents.enabled = false): it has no latents to model`);
      // We hold the run's lock, so a prior-next found here is a killed fit's.
      rmSync(next.root, { recursive: true, force: true });
      mkdirSync(next.root);
      const result = await fitInto(next, r, r.encoder, o.prior ?? r.cfg.latents.prior, o.quiet);
      for (const file of ['priorMetrics', 'prior'] as const) renameSync(next[file], run[file]);
      rmdirSync(next.root);
      return result;
    } catch (e) {
      rmSync(next.root, { recursive: true, force: true });
      throw e;
    } finally {
      r.net.dispose();
      r.encoder?.dispose();
    }
  });
}

/** Fits a new prior into `out` (prior.safetensors, prior-metrics.jsonl). */
async function fitInto(out: RunDir, r: DockingRun, encoder: DockingLatentEncoder, p: DockingPriorConfig, quiet?: boolean): Promise<DockingPriorResult> {
  const cfg = r.cfg, seed = cfg.train.seed;
  const device = cfg.device as Device;
  r.net.to({ device });
  encoder.to({ device });
  const { train: complexes } = loadComplexes(cfg);
  if (complexes.length === 0) throw new Error(`the training split of ${cfg.data.dir} is empty`);
  manualSeed(seed + 2);
  const prior = createLatentPrior(cfg, p).to({ device });
  const opt = new Adam(prior.namedParameters(), { lr: p.lr });
  const lr = warmupCosine(Math.min(100, p.steps / 10), p.steps);
  const rng = new Rng((seed + 3) >>> 0);
  const gen = new Generator(seed + 4);
  const cursor: Cursor = { rng: rng.state(), order: [], index: 0 };
  const progress = new Progress('prior', p.steps, 0, quiet);
  const signals = StopSignals.listen();
  let sum = 0, n = 0, finalLoss = NaN;
  prior.train();
  try {
    for (let step = 0; step < p.steps; step++) {
      const signal = await signals.requested();
      if (signal) {
        throw new Interrupted(signal, `stopped by ${signal} at prior step ${step} of ${p.steps}; the run keeps its earlier prior, if any; run train-prior again`);
      }
      const batch = nextBatch(complexes, p.batch, cursor, rng);
      const loss = tidy(() => {
        const target = encoderTargets(encoder, batch, cfg, rng, gen, device);
        const ctx = priorContext(r.net, batch.map((c) => ({ lig: c.lig, rec: c.rec, center: c.rec.center })), cfg, rng, device);
        try {
          const l = prior.loss(ctx, target.probs, target.codes);
          l.backward();
          return l.item();
        } finally {
          disposeContext(ctx);
        }
      });
      if (!Number.isFinite(loss)) throw new Error(`prior loss is ${loss} at step ${step}: lower latents.prior.lr`);
      opt.update(p.lr * lr(step));
      opt.zeroGrad();
      sum += loss; n += 1;
      progress.update(step + 1, { loss });
      if ((step + 1) % LOG_EVERY === 0 || step + 1 === p.steps) {
        finalLoss = sum / n;
        appendJsonl(out.priorMetrics, { step: step + 1, loss: finalLoss });
        sum = 0; n = 0;
      }
    }
    saveCheckpoint(out.prior, { model: prior.stateDict(),
      meta: { stage: 'docking-prior', steps: p.steps, loss: finalLoss, prior: p, fittedTo: r.encoderRecord } });
  } finally {
    signals.dispose();
    progress.done();
    gen.dispose();
    opt.dispose();
    prior.dispose();
  }
  return { finalLoss };
}

/**
 * The encoder's view of complexes at reference modes drawn by weight: its pointer probabilities
 * probs [N, m] (the soft targets) and codes [B·m] drawn from them (the teacher-forced earlier latents).
 */
function encoderTargets(encoder: DockingLatentEncoder, batch: Complex[], cfg: DockingConfig, rng: Rng, gen: Generator,
  device: Device): { probs: Tensor; codes: Int32Array } {
  const g = complexBatch(batch.map((c) => ({ lig: c.lig, rec: c.rec, coords: drawMode(c, rng), t: 0, trSigma: 0 })), cfg.model, device,
    { shareReceptors: false });
  try {
    const layout = nodeLayout(g);
    return noGrad(() => tidy(() => {
      const logits = stackNodes(encoder.forward(g));
      const codes = layout.codes(pointerGumbel(logits, layout, { tau: 1, hard: false, noise: 1, generator: gen }));
      return { probs: pointerSoftmax(logits, layout), codes };
    }));
  } finally {
    disposeGraph(g);
  }
}
