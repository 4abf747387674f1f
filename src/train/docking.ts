/**
 * Training of the docking score network (DiffDock, Corso et al. 2023) on the pose data set: per step
 * { complexes, one reference mode each drawn by its Boltzmann weight, a time t and its σ's, the
 * noised pose and its score targets (src/pose/forward.ts), the network, the loss (src/pose/loss.ts),
 * backward, clip, Adam, EMA, metrics row, checkpoint }. With pointer latents (DisCo-DiffDock, Xu et
 * al. 2024) the latent encoder sees each complex at its reference mode and its straight-through
 * Gumbel-Softmax pointers condition the score network (latent dropout per complex); both train
 * together on the denoising loss alone. Checkpoints and resume follow Stage I's rules
 * (checkpoint-policy.ts, run-lock.ts, signals.ts): a resumed run repeats the uninterrupted one.
 */
import { existsSync } from 'node:fs';
import { assertFinite, Generator, manualSeed, numThreads, setNumThreads, tensor, tidy, type Device } from '../engine/index.js';
import type { Module } from '../nn/module.js';
import { Adam, EMA, clipGradNorm, warmup } from '../optim/index.js';
import { loadCheckpoint, writeTextAtomic } from '../io/index.js';
import { isCount } from '../io/json.js';
import { parseDockingConfig } from '../config/load.js';
import type { DockingConfig } from '../config/docking.js';
import { Rng } from '../pose/random.js';
import { poseSigmas, sampleTrainingTime } from '../pose/schedule.js';
import { noisePose } from '../pose/forward.js';
import { poseLoss } from '../pose/loss.js';
import { pointerLogSoftmax, pointerSoftmax } from '../disco/pointer.js';
import { complexBatch, disposeGraph } from '../docking/featurize.js';
import { loadComplexes, type Complex } from '../docking/complexes.js';
import { createDockingNetworks, type DockingNetworks } from '../docking/model.js';
import { nodeLayout, samplePointers, stackNodes } from '../docking/pointers.js';
import type { NodeLatents } from '../docking/latent-conditioning.js';
import type { DockingLatentEncoder } from '../docking/latent-encoder.js';
import { RunDir } from './run-dir.js';
import { CheckpointPolicy } from './checkpoint-policy.js';
import { withRunLock } from './run-lock.js';
import { appendJsonl, filterJsonl } from './jsonl.js';
import { Progress } from './progress.js';
import { Interrupted, StopSignals } from './signals.js';

/** Options of trainDocking. */
export interface DockingTrainOptions {
  resume?: boolean;
  quiet?: boolean;
  /** Stop (with a checkpoint) after this many minutes: a wall-clock budget. */
  maxMinutes?: number;
}

/** Trains the docking score network (and latent encoder) into `outDir` (config.json, metrics.jsonl, checkpoint.safetensors). */
export async function trainDocking(cfg: DockingConfig, outDir: string, o: DockingTrainOptions = {}):
  Promise<{ step: number; stepsPerSec: number }> {
  if (o.maxMinutes !== undefined && !(o.maxMinutes > 0)) throw new Error(`the time budget must be a positive number of minutes, got ${o.maxMinutes}`);
  const run = new RunDir(outDir);
  if (o.resume) run.require(run.checkpoint, 'a docking run with a checkpoint to resume');
  else if (existsSync(run.checkpoint)) throw new Error(`${run.root} already holds a trained run; pass --resume to continue it or choose another --out`);
  const created = run.create();
  try {
    return await withRunLock(run, o.resume ? 'train --resume' : 'train', o.quiet, () => train(cfg, run, o));
  } finally {
    if (created) run.removeIfEmpty();
  }
}

/** The sampling state a checkpoint keeps besides the tensors. */
export interface Cursor {
  rng: { state: number; spare: number | null };
  order: number[];
  index: number;
}

async function train(cfg: DockingConfig, run: RunDir, o: DockingTrainOptions): Promise<{ step: number; stepsPerSec: number }> {
  const t = cfg.train;
  if (t.threads) setNumThreads(t.threads);
  const { train: complexes } = loadComplexes(cfg);
  if (complexes.length === 0) throw new Error(`the training split of ${cfg.data.dir} is empty`);
  // The ligands trained on, as RECEPTOR/ID: the data set grows while runs train.
  const trainSet = complexes.map((c) => `${c.record.receptor}/${c.record.id}`);
  const device = cfg.device as Device;
  manualSeed(t.seed);   // the initial weights follow train.seed, not whatever drew from libtorch's generator before
  const nets = createDockingNetworks(cfg);
  const net = nets.module.to({ device });
  const opt = new Adam(net.namedParameters(), { lr: t.lr });
  const ema = new EMA(net, t.emaDecay);
  const rng = new Rng(t.seed);
  const gen = new Generator(t.seed + 1); // the Gumbel noise of the pointers
  const cursor: Cursor = { rng: rng.state(), order: [], index: 0 };
  let step = 0;
  if (o.resume) {
    step = restore(run, cfg, { net, ema, opt, gen }, cursor);
    rng.restore(cursor.rng);
    filterJsonl(run.metrics, (row) => isCount(row.step) && row.step <= step);
  }
  writeTextAtomic(run.config, JSON.stringify(cfg, null, 2));
  const lr = warmup(t.warmupSteps);
  const checkpoints = new CheckpointPolicy(run.checkpoint, () => ({ model: net.stateDict(), ema, optimizers: { adam: opt } }),
    o.resume ? step : null, t.checkpointEvery);
  const deadline = o.maxMinutes ? performance.now() + o.maxMinutes * 60_000 : Infinity;
  const progress = new Progress('dock', t.steps, step, o.quiet);
  const signals = StopSignals.listen();
  const sums = { loss: 0, tr: 0, rot: 0, tor: 0, entropy: 0, onLigand: 0, n: 0 };
  let signal: NodeJS.Signals | null = null;
  try {
    net.train();
    let last = step >= t.steps;
    while (!last) {
      signal = await signals.requested();
      const batch = nextBatch(complexes, t.batch, cursor, rng);
      const parts = tidy(() => {
        const { loss: l, latents } = lossOf(nets, batch, cfg, rng, gen, device);
        const values = { loss: l.total.item(), tr: l.tr.item(), rot: l.rot.item(), tor: l.tor?.item() ?? 0, ...latents };
        checkpoints.verify(step + 1, values.loss, values.loss);
        l.total.backward();
        return values;
      });
      if (t.gradClip) clipGradNorm(opt.params.map(([, p]) => p), t.gradClip);
      opt.update(t.lr * lr(step));
      opt.zeroGrad();
      ema.update(net, EMA.rampedDecay(t.emaDecay, t.emaRampup, step + 1));
      step += 1;
      sums.loss += parts.loss; sums.tr += parts.tr; sums.rot += parts.rot; sums.tor += parts.tor; sums.n += 1;
      sums.entropy += parts.entropy ?? 0; sums.onLigand += parts.onLigand ?? 0;
      progress.update(step, { loss: sums.loss / sums.n });
      last = step >= t.steps || performance.now() >= deadline || signal !== null;
      if (step % t.logEvery === 0 || last) {
        appendJsonl(run.metrics, { step, lr: t.lr * lr(step - 1), loss: sums.loss / sums.n, tr: sums.tr / sums.n,
          rot: sums.rot / sums.n, tor: sums.tor / sums.n,
          ...(nets.encoder && { entropy: sums.entropy / sums.n, onLigand: sums.onLigand / sums.n }),
          stepsPerSec: progress.rate(step), threads: numThreads() });
        Object.assign(sums, { loss: 0, tr: 0, rot: 0, tor: 0, entropy: 0, onLigand: 0, n: 0 });
      }
      checkpoints.afterStep(step, last, () => ({ step, rng: nets.encoder ? { gumbel: gen.getState() } : {} as Record<string, Uint8Array>,
        meta: { stage: 'docking', step, config: cfg, cursor: { ...cursor, rng: rng.state() }, trainSet } }));
    }
  } finally {
    signals.dispose();
    progress.done();
    gen.dispose();
    ema.dispose();
    opt.dispose();
    net.dispose();
  }
  if (signal) throw new Interrupted(signal, `stopped by ${signal} at step ${step}; checkpoint written; resume with --resume`);
  return { step, stepsPerSec: progress.rate(step) };
}

/** The next `n` complexes of a shuffled pass over the training set (reshuffled each pass). */
export function nextBatch(complexes: Complex[], n: number, c: Cursor, rng: Rng): Complex[] {
  const out: Complex[] = [];
  while (out.length < n) {
    if (c.index >= c.order.length) {
      c.order = complexes.map((_, i) => i);
      for (let i = c.order.length - 1; i > 0; i--) {
        const j = Math.floor(rng.uniform() * (i + 1));
        [c.order[i], c.order[j]] = [c.order[j]!, c.order[i]!];
      }
      c.index = 0;
    }
    out.push(complexes[c.order[c.index++]!]!);
  }
  return out;
}

/** A reference mode drawn by its Boltzmann weight. */
export function drawMode(c: Complex, rng: Rng): Float64Array {
  const modes = c.record.modes;
  let u = rng.uniform() * modes.reduce((s, m) => s + m.weight, 0);
  for (const m of modes) {
    u -= m.weight;
    if (u <= 0) return m.coords;
  }
  return modes[modes.length - 1]!.coords;
}

/** Per-step facts of the latents: mean entropy (nats) of the encoder's pointer distributions, share of pointers on ligand atoms. */
interface LatentStats {
  entropy: number;
  onLigand: number;
}

/**
 * The loss of one batch: each complex noised at its own t, scored, compared with its targets. With
 * latents the score network reads the encoder's pointers of the reference mode the noise started from.
 */
function lossOf(nets: DockingNetworks, batch: Complex[], cfg: DockingConfig, rng: Rng, gen: Generator, device: Device):
  { loss: ReturnType<typeof poseLoss>; latents: LatentStats | null } {
  const noised = batch.map((c) => {
    const time = sampleTrainingTime(cfg.diffusion, rng);
    const s = poseSigmas(cfg.diffusion, time);
    const mode = drawMode(c, rng);
    return { c, time, s, mode, n: noisePose(mode, c.lig.bonds, s, rng, c.lig.heavy) };
  });
  const g = complexBatch(noised.map(({ c, time, s, n }) => ({ lig: c.lig, rec: c.rec, coords: n.coords, t: time, trSigma: s.tr })),
    cfg.model, device, { shareReceptors: !nets.encoder });
  try {
    const z = nets.encoder ? encodeModes(nets.encoder, noised.map(({ c, mode }) => ({ c, mode })), cfg, rng, gen, device) : null;
    const pred = nets.score.forward(g, z?.latents ?? null);
    const f32 = (v: number[], shape: number[]) => tensor(Float32Array.from(v), { shape, dtype: 'float32', device });
    const target = {
      tr: f32(noised.flatMap(({ n }) => n.target.tr), [batch.length, 3]),
      rot: f32(noised.flatMap(({ n }) => n.target.rot), [batch.length, 3]),
      tor: f32(noised.flatMap(({ n }) => [...n.target.tor]), [noised.reduce((s, { n }) => s + n.target.tor.length, 0)]),
    };
    return { loss: poseLoss(pred, target), latents: z?.stats ?? null };
  } finally {
    disposeGraph(g);
  }
}

/**
 * The encoder's pointers of each complex at its reference mode: hard straight-through Gumbel-Softmax
 * samples at τ = latents.tau, each complex's latents dropped with probability latents.dropout.
 */
function encodeModes(encoder: DockingLatentEncoder, items: { c: Complex; mode: Float64Array }[], cfg: DockingConfig, rng: Rng,
  gen: Generator, device: Device): { latents: NodeLatents; stats: LatentStats } {
  const lat = cfg.latents;
  const g = complexBatch(items.map(({ c, mode }) => ({ lig: c.lig, rec: c.rec, coords: mode, t: 0, trSigma: 0 })), cfg.model, device,
    { shareReceptors: false });
  try {
    const layout = nodeLayout(g);
    const drop = tensor(items.map(() => (rng.uniform() < lat.dropout ? 1 : 0)), { dtype: 'bool', device });
    const logits = encoder.forward(g);
    const latents = samplePointers(logits, layout, { tau: lat.tau, hard: true, noise: 1, generator: gen }, drop);
    const stats = tidy(() => {
      const flat = stackNodes(logits);
      const entropy = pointerSoftmax(flat, layout).mul(pointerLogSoftmax(flat, layout)).sum().neg().item() / (items.length * lat.m);
      return { entropy, onLigand: latents.lig.sum().item() / (items.length * lat.m) };
    });
    return { latents, stats };
  } finally {
    disposeGraph(g);
  }
}

/** Loads a docking checkpoint into the networks, EMA, Adam and the Gumbel generator; returns its step and fills the cursor. */
function restore(run: RunDir, cfg: DockingConfig, s: { net: Module; ema: EMA; opt: Adam; gen: Generator }, cursor: Cursor): number {
  const ck = loadCheckpoint(run.checkpoint);
  try {
    const { stage, step, config } = ck.meta;
    if (ck.meta.shipped === true) throw new Error(`${run.checkpoint} is a shipped model (weights only); it cannot be resumed — train a new run`);
    const c = ck.meta.cursor as Cursor | undefined;
    if (stage !== 'docking') {
      throw new Error(`${run.checkpoint} is not a docking checkpoint (stage ${String(stage)}); a docking config resumes only a docking run`);
    }
    if (!isCount(step) || !c || !Array.isArray(c.order)) {
      throw new Error(`corrupt checkpoint ${run.checkpoint}: it lacks the docking step or data position`);
    }
    const stored = parseDockingConfig(config, `config stored in ${run.checkpoint}`);
    const changed = fixedChanges(stored, cfg);
    if (changed.length) {
      throw new Error(`${run.checkpoint} was trained with other model or data settings (${changed.join(', ')}); ` +
        'a resume may change training settings only');
    }
    if (cfg.train.steps < step) throw new Error(`train.steps ${cfg.train.steps} is below the step ${step} of ${run.checkpoint}`);
    assertFinite(ck.tensors, `checkpoint ${run.checkpoint}`);
    s.net.loadStateDict(ck.model);
    s.ema.load(ck.ema);
    ck.restoreOptimizer('adam', s.opt);
    if (cfg.latents.enabled) {
      const gumbel = ck.rng.get('gumbel');
      if (!gumbel) throw new Error(`corrupt checkpoint ${run.checkpoint}: no Gumbel RNG state`);
      s.gen.setState(gumbel);
    }
    Object.assign(cursor, c);
    return step;
  } finally {
    ck.dispose();
  }
}

/** The model, latent (but the prior) and data settings of `now` that differ from the checkpoint's, as 'model.hidden 16 → 32'. */
function fixedChanges(stored: DockingConfig, now: DockingConfig): string[] {
  const fixed = (c: DockingConfig) => ({ model: c.model, data: c.data, latents: { ...c.latents, prior: null } });
  return (['model', 'data', 'latents'] as const).flatMap((section) => {
    const [a, b] = [fixed(stored)[section] as Record<string, unknown>, fixed(now)[section] as Record<string, unknown>];
    return Object.keys({ ...a, ...b }).filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]))
      .map((k) => `${section}.${k} ${JSON.stringify(a[k])} → ${JSON.stringify(b[k])}`);
  });
}
