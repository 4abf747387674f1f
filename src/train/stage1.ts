/**
 * Stage I: train the denoiser and the encoder end to end (or the plain EDM baseline when latents
 * are off). Adam with warm-up, EMA, NaN guard, JSONL metrics (loss, loss per σ bin, code usage),
 * atomic checkpoints every N steps, and exact resume (model, EMA, optimizer, RNG and data
 * position are all restored, so a resumed run repeats the uninterrupted run's losses).
 */
import { writeFileSync, readFileSync, existsSync } from 'node:fs';
import { Generator, globalRngState, manualSeed, setGlobalRngState, setNumThreads, tidy } from '../engine/index.js';
import { Adam, EMA, clipGradNorm, warmup } from '../optim/index.js';
import { loadCheckpoint, saveCheckpoint } from '../io/index.js';
import { parseConfig } from '../config/load.js';
import type { RunConfig } from '../config/schema.js';
import { BatchIterator, type Dataset } from '../data/dataset.js';
import { loadDataset } from '../data/load.js';
import { createModel, type DataInfo } from '../models/build.js';
import type { DiscoDiff } from '../disco/model.js';
import { RunDir, appendJsonl } from './run-dir.js';
import { Progress } from './progress.js';

/** Upper edges of the σ bins used for "loss per σ" (the last bin is open). */
export const SIGMA_BINS = [0.01, 0.05, 0.2, 0.5, 1, 2, 5, 20, Infinity];

export interface TrainOptions {
  resume?: boolean;
  quiet?: boolean;
  /** Stop after this step (the run can be resumed); for tests and budgets. */
  stopAt?: number;
  /** Stop (with a checkpoint) once this many minutes of training have passed: a wall-clock budget. */
  maxMinutes?: number;
}

export interface TrainResult {
  step: number;
  stepsPerSec: number;
  losses: number[];
}

/** σ_data and sample shape from the data (σ_data from the config when set). */
export function dataInfo(cfg: RunConfig, data: Dataset): DataInfo {
  const sigmaData = cfg.edm.sigmaData ?? tidy(() => data.x.flatten().var().sqrt().item());
  return { shape: data.x.shape.slice(1), numClasses: data.numClasses, sigmaData };
}

export async function trainStage1(cfgIn: RunConfig, outDir: string, o: TrainOptions = {}): Promise<TrainResult> {
  const run = new RunDir(outDir).ensure();
  let cfg = cfgIn;
  if (o.resume) {
    run.require(run.checkpoint, 'a run with a checkpoint to resume');
    cfg = parseConfig(JSON.parse(readFileSync(run.config, 'utf8')), `config ${run.config}`);
  } else if (existsSync(run.checkpoint)) {
    throw new Error(`${outDir} already holds a trained run; pass --resume to continue it or choose another --out`);
  }
  const t = cfg.train;
  if (t.threads) setNumThreads(t.threads);
  const data = await loadDataset(cfg.data, t.seed);
  const info = dataInfo(cfg, data);
  manualSeed(t.seed);
  const model = createModel(cfg, info).to({ device: cfg.device as 'cpu' });
  const opt = new Adam(model.namedParameters(), { lr: t.lr });
  const ema = new EMA(model, t.emaDecay);
  const gen = new Generator(t.seed + 1);
  const hflip = 'flip' in cfg.data && cfg.data.flip;
  const batches = new BatchIterator(data, t.batch, t.seed, hflip);
  let step = 0;
  if (o.resume) {
    const ck = loadCheckpoint(run.checkpoint);
    try {
      model.loadStateDict(ck.model);
      ema.load(ck.ema);
      ck.restoreOptimizer('adam', opt);
      const rng = ck.rng.get('train');
      if (!rng) throw new Error(`corrupt checkpoint ${run.checkpoint}: no training RNG state`);
      gen.setState(rng);
      const global = ck.rng.get('global'); // dropout inside networks draws from the global stream
      if (global) setGlobalRngState(global);
      step = ck.meta.step as number;
      batches.restore(ck.meta.data as { epoch: number; index: number });
    } finally {
      ck.dispose();
    }
  } else {
    writeFileSync(run.config, JSON.stringify(cfg, null, 2));
  }

  const save = () => saveCheckpoint(run.checkpoint, {
    model: model.stateDict(), ema, optimizers: { adam: opt }, rng: { train: gen.getState(), global: globalRngState() },
    meta: { stage: 'stage1', step, config: cfg, dataInfo: info, data: batches.state() },
  });
  const end = Math.min(t.steps, o.stopAt ?? t.steps);
  const lr = warmup(t.warmupSteps);
  const stats = new IntervalStats(cfg.latents.enabled ? cfg.latents : null);
  const progress = new Progress(cfg.latents.enabled ? 'disco' : 'edm', t.steps, step, o.quiet);
  const losses: number[] = [];
  const deadline = o.maxMinutes ? performance.now() + o.maxMinutes * 60_000 : Infinity;
  model.train();
  try {
    while (step < end && performance.now() < deadline) {
      const loss = tidy(() => stepOnce(model, batches, gen, stats));
      if (!Number.isFinite(loss)) {
        throw new Error(`loss is ${loss} at step ${step}: training diverged (lower train.lr or set train.gradClip); ` +
          `the last good checkpoint is ${run.checkpoint}`);
      }
      if (t.gradClip) clipGradNorm(opt.params.map(([, p]) => p), t.gradClip);
      opt.update(t.lr * lr(step));
      opt.zeroGrad();
      ema.update(model);
      losses.push(loss);
      step += 1;
      progress.update(step, { loss: stats.runningLoss() });
      if (step % t.logEvery === 0 || step === end || performance.now() >= deadline) {
        appendJsonl(run.metrics, { step, lr: t.lr * lr(step - 1), stepsPerSec: progress.rate(step), ...stats.flush() });
      }
      if (step % t.checkpointEvery === 0 || step === end || performance.now() >= deadline) save();
    }
  } finally {
    progress.done();
    batches.dispose();
    gen.dispose();
    ema.dispose();
    opt.dispose();
    model.dispose();
    data.x.dispose();
  }
  return { step, stepsPerSec: progress.rate(step), losses };
}

/** Forward + backward of one batch; returns the loss value. */
function stepOnce(model: DiscoDiff, batches: BatchIterator, gen: Generator, stats: IntervalStats): number {
  const b = batches.next();
  const r = model.stageILoss(b.x, b.labels, gen);
  r.loss.backward();
  const loss = r.loss.item();
  stats.add(loss, r.perSample.toFlatArray(), r.sigma.toFlatArray(), r.codes?.toFlatArray(), r.codes?.size(1));
  return loss;
}

/** Loss, loss per σ bin and code usage accumulated between two log lines. */
class IntervalStats {
  private loss = 0;
  private n = 0;
  private recent: number[] = [];
  private binSum = SIGMA_BINS.map(() => 0);
  private binCount = SIGMA_BINS.map(() => 0);
  private codeCounts: number[][] = [];

  constructor(readonly latents: { m: number; k: number } | null) {
    this.reset();
  }

  private reset(): void {
    this.loss = 0;
    this.n = 0;
    this.binSum.fill(0);
    this.binCount.fill(0);
    this.codeCounts = this.latents ? Array.from({ length: this.latents.m }, () => Array(this.latents!.k).fill(0)) : [];
  }

  add(loss: number, perSample: number[], sigma: number[], codes?: number[], m?: number): void {
    this.loss += loss;
    this.n += 1;
    this.recent.push(loss);
    if (this.recent.length > 50) this.recent.shift();
    sigma.forEach((s, i) => {
      const b = SIGMA_BINS.findIndex((e) => s < e);
      this.binSum[b]! += perSample[i]!;
      this.binCount[b]! += 1;
    });
    if (codes && m) codes.forEach((c, i) => { this.codeCounts[i % m]![c]! += 1; });
  }

  runningLoss(): number {
    return this.recent.reduce((a, b) => a + b, 0) / Math.max(1, this.recent.length);
  }

  flush(): Record<string, unknown> {
    const row: Record<string, unknown> = {
      loss: this.loss / Math.max(1, this.n),
      lossBySigma: SIGMA_BINS.map((e, i) => ({ sigmaBelow: e === Infinity ? null : e,
        loss: this.binCount[i] ? this.binSum[i]! / this.binCount[i]! : null })),
    };
    if (this.latents) row.codesUsed = this.codeCounts.map((c) => c.filter((v) => v > 0).length);
    this.reset();
    return row;
  }
}
