/**
 * Stage I: train the denoiser and the encoder end to end (or the plain EDM baseline when latents
 * are off). Adam with warm-up, EMA, divergence guard, JSONL metrics (loss, loss per σ bin, code
 * usage), verified atomic checkpoints every N steps (src/train/checkpointer.ts), one writer per
 * run directory, and exact resume (model, EMA, optimizer, RNG and data position are all restored,
 * so a resumed run repeats the uninterrupted run's losses) that may change training settings.
 * Data-parallel (TrainOptions.group): every rank trains its rows of each batch, and the replicas
 * stay those of one process with the whole batch (src/train/replicas.ts).
 */
import { existsSync, rmSync } from 'node:fs';
import {
  Generator, assertFinite, globalRngState, manualSeed, numThreads, setGlobalRngState, setNumThreads, tidy, withRowShard, type Device,
  type Tensor,
} from '../engine/index.js';
import { Adam, EMA, clipGradNorm, warmup } from '../optim/index.js';
import { loadCheckpoint, writeTextAtomic, type LoadedCheckpoint } from '../io/index.js';
import { isCount, isRecord } from '../io/json.js';
import { parseConfig } from '../config/load.js';
import type { RunConfig } from '../config/schema.js';
import { BatchIterator, type DataInfo, type Dataset } from '../data/dataset.js';
import { loadDataset } from '../data/load.js';
import { createModel } from '../networks/build.js';
import type { DiscoDiff } from '../disco/model.js';
import type { CodeRestarts } from '../disco/codebook.js';
import { countsEntropy } from '../metrics/code-usage.js';
import { AnalyticCodebook, type CodeBatch } from '../disco/analytic-codebook.js';
import { initHeadsFromData } from '../disco/head-init.js';
import { RunDir } from './run-dir.js';
import { VerifiedCheckpoints, type CheckpointSnapshot } from './checkpointer.js';
import { withRunLock } from './run-lock.js';
import { appendJsonl, filterJsonl } from './jsonl.js';
import { checkResumable, configChanges, describeChanges, type ConfigChanges } from './resume-config.js';
import { Progress } from './progress.js';
import { Replicas } from './replicas.js';
import type { ProcessGroup } from '../parallel/group.js';

/** Upper edges of the σ bins used for "loss per σ" (the last bin is open). */
export const SIGMA_BINS = [0.01, 0.05, 0.2, 0.5, 1, 2, 5, 20, Infinity];

export interface TrainOptions {
  resume?: boolean;
  quiet?: boolean;
  /** Stop after this step (the run can be resumed); for tests and budgets. */
  stopAt?: number;
  /** Stop (with a checkpoint) once this many minutes of training have passed: a wall-clock budget. */
  maxMinutes?: number;
  /**
   * A trained run (e.g. plain EDM) whose EMA weights initialise every tensor of the same name and
   * shape; the rest (encoder, cross-attention, latent embeddings) starts fresh. The paper starts
   * class-conditional Stage I from a pre-trained EDM model this way.
   */
  initFrom?: string;
  /**
   * Called after each backward pass, before the optimizer step (gradients are in `.grad`): for
   * diagnostics such as gradient norms or code usage on a probe set.
   */
  onStep?: (s: { step: number; model: DiscoDiff; loss: number }) => void;
  /**
   * The process group of a data-parallel run (src/parallel): every rank trains on its share of each
   * batch; rank 0 alone holds the run directory (lock, config, metrics, checkpoints).
   */
  group?: ProcessGroup | null;
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

/**
 * Trains Stage I into the run directory `outDir`, holding its lock (src/train/run-lock.ts) until
 * done. With `resume` it continues from the checkpoint: `cfgIn` may change the training settings
 * (src/train/resume-config.ts), which is recorded in config-history.jsonl and in the next metrics
 * row, and metrics.jsonl is cut back to the checkpoint's step first. A directory this call created
 * is removed again when it fails before writing anything.
 */
export async function trainStage1(cfgIn: RunConfig, outDir: string, o: TrainOptions = {}): Promise<TrainResult> {
  if (o.maxMinutes !== undefined && !(o.maxMinutes > 0)) {
    throw new Error(`the time budget must be a positive number of minutes, got ${o.maxMinutes}`);
  }
  if (o.initFrom && o.resume) throw new Error('--init-from starts a new run; it cannot be combined with --resume');
  const run = new RunDir(outDir);
  if (o.group && o.group.rank > 0) return train(cfgIn, run, null, o); // rank 0's state reaches it in train()
  if (o.resume) run.require(run.checkpoint, 'a run with a checkpoint to resume');
  const created = run.create();
  try {
    return await withRunLock(run, o.resume ? 'train --resume' : 'train', o.quiet, async () => {
      const resume = o.resume ? openResume(run, cfgIn) : startFresh(run, o.quiet);
      try {
        return await train(cfgIn, run, resume, o);
      } finally {
        resume?.ck.dispose();
      }
    });
  } finally {
    if (created) run.removeIfEmpty();
  }
}

/** A checked checkpoint to continue from, and what the new config changes. */
interface Resume {
  ck: LoadedCheckpoint;
  step: number;
  data: { epoch: number; index: number };
  changes: ConfigChanges;
}

/**
 * Opens the checkpoint to resume: its counters must be sound, `cfg` may differ from the config it
 * was trained with only where a resume allows, and every tensor in it must be finite.
 */
function openResume(run: RunDir, cfg: RunConfig): Resume {
  const ck = loadCheckpoint(run.checkpoint);
  try {
    const { stage, step, data } = ck.meta;
    if (stage !== 'stage1' || !isCount(step) || !isRecord(data) || !isCount(data.epoch) || !isCount(data.index)) {
      throw new Error(`corrupt checkpoint ${run.checkpoint}: it lacks the stage-1 step or data position`);
    }
    const changes = configChanges(parseConfig(ck.meta.config, `config stored in ${run.checkpoint}`), cfg);
    checkResumable(changes, run.checkpoint);
    if (cfg.train.steps < step) throw new Error(`train.steps ${cfg.train.steps} is below the step ${step} of ${run.checkpoint}`);
    assertFinite(ck.tensors, `checkpoint ${run.checkpoint}`);
    return { ck, step, data: { epoch: data.epoch, index: data.index }, changes };
  } catch (e) {
    ck.dispose();
    throw e;
  }
}

/** A new run: refuses a directory with a trained run, and drops the logs of one that died before its first checkpoint. */
function startFresh(run: RunDir, quiet?: boolean): null {
  if (existsSync(run.checkpoint)) {
    throw new Error(`${run.root} already holds a trained run; pass --resume to continue it or choose another --out`);
  }
  if (existsSync(run.metrics) && !quiet) {
    process.stderr.write(`note: dropping ${run.metrics} of an earlier run that stopped before its first checkpoint\n`);
  }
  for (const f of [run.metrics, run.configHistory]) rmSync(f, { force: true });
  return null;
}

/**
 * After a resume: cuts metrics.jsonl back to the checkpoint's step (dropping a partial last line),
 * and config-history.jsonl to the changes made before it, then records the config in effect.
 */
function recordResume(run: RunDir, cfg: RunConfig, r: Resume, quiet?: boolean): void {
  filterJsonl(run.metrics, (row) => isCount(row.step) && row.step <= r.step);
  filterJsonl(run.configHistory, (row) => isCount(row.step) && row.step < r.step);
  writeTextAtomic(run.config, JSON.stringify(cfg, null, 2));
  if (Object.keys(r.changes).length) {
    appendJsonl(run.configHistory, { step: r.step, time: new Date().toISOString(), changed: r.changes, config: cfg });
    if (!quiet) process.stderr.write(`resuming at step ${r.step} with ${describeChanges(r.changes)}\n`);
  }
}

async function train(cfg: RunConfig, run: RunDir, resume: Resume | null, o: TrainOptions): Promise<TrainResult> {
  const t = cfg.train;
  if (t.threads) setNumThreads(t.threads);
  const replicas = new Replicas(o.group ?? null, t.batch);
  const data = await loadDataset(cfg.data, t.seed);
  if (t.dtype !== data.x.dtype) data.x = tidy(() => { const x = data.x.to({ dtype: t.dtype }); data.x.dispose(); return x; });
  const info = dataInfo(cfg, data);
  manualSeed(t.seed);
  // Data-parallel ranks on one machine take a GPU each: cuda → cuda:LOCAL_RANK.
  const device = (o.group && cfg.device === 'cuda' ? `cuda:${o.group.env.localRank}` : cfg.device) as Device;
  const model = createModel(cfg, info).to({ device, dtype: t.dtype });
  if (o.initFrom && replicas.writer) initFromRun(model, o.initFrom, o.quiet);
  const codebook = AnalyticCodebook.of(model, cfg.latents, t.steps);
  // Centres learned by EMA are outside Adam (scale 0); a lower encoder lr keeps Adam from turning
  // the encoder's tiny, noisy early gradient into full-size steps.
  const opt = new Adam(model.namedParameters(), { lr: t.lr, lrScale: (name) =>
    (codebook?.frozen(name) ? 0 : name.startsWith('encoder.') ? t.encoderLrScale : 1) });
  const ema = new EMA(model, t.emaDecay);
  const gen = new Generator(t.seed + 1);
  const hflip = 'flip' in cfg.data && cfg.data.flip;
  const batches = new BatchIterator(data, t.batch, t.seed, hflip, replicas.rows);
  const end = Math.min(t.steps, o.stopAt ?? t.steps);
  const lr = warmup(t.warmupSteps);
  const stats = new IntervalStats(cfg.latents.enabled ? cfg.latents : null);
  const lat = cfg.latents;
  const tauAt = (s: number) => (lat.tauEnd === null ? lat.tau : lat.tau * (lat.tauEnd / lat.tau) ** (s / t.steps));
  const losses: number[] = [];
  let step = resume?.step ?? 0;
  /** A config change to note in the next metrics row. */
  let configChange = resume && Object.keys(resume.changes).length ? { step, changed: resume.changes } : null;
  const checkpoints = new VerifiedCheckpoints(run.checkpoint, () => ({ model: model.stateDict(), ema, optimizers: { adam: opt } }),
    resume ? step : null);
  const snapshot = (): CheckpointSnapshot => ({ step, rng: { train: gen.getState(), global: globalRngState() },
    meta: { stage: 'stage1', step, config: cfg, dataInfo: info, data: batches.state(),
      ...(codebook?.restarts && { codeUsage: codebook.restarts.state() }) } });
  const quiet = o.quiet || !replicas.writer;
  const deadline = o.maxMinutes ? performance.now() + o.maxMinutes * 60_000 : Infinity;
  const parts = { model, ema, opt, gen, batches, codebook };
  let progress: Progress | null = null;
  try {
    if (resume) {
      restoreState(resume, parts);
      recordResume(run, cfg, resume, o.quiet);
    } else if (replicas.writer) {
      writeTextAtomic(run.config, JSON.stringify(cfg, null, 2));
      appendJsonl(run.configHistory, { step: 0, time: new Date().toISOString(), config: cfg });
      const labels = info.numClasses > 0 ? data.labels ?? undefined : undefined;
      if (cfg.encoder?.kind === 'vit' && cfg.encoder.headInit === 'kmeans') initHeadsFromData(model.encoder!, data.x, gen, { labels });
      codebook?.init(data.x, gen, labels);
    }
    step = startReplicas(replicas, parts, step);
    progress = new Progress(cfg.latents.enabled ? 'disco' : 'edm', t.steps, step, quiet, replicas.group?.size);
    model.train();
    // A time budget always allows one step, so every call makes progress and saves it.
    let last = step >= end;
    while (!last) {
      const { loss, total, batch, stop } = tidy(() => stepOnce(model, batches, gen, stats, replicas, { tau: tauAt(step),
        restarts: codebook?.restarts ?? null, keepBatch: !!codebook?.needsBatch(step + 1), deadline }));
      try {
        checkpoints.verify(step + 1, loss, total);
      } catch (e) {
        batch?.x.dispose();
        batch?.codes.dispose();
        throw e;
      }
      o.onStep?.({ step: step + 1, model, loss });
      if (t.gradClip) clipGradNorm(opt.params.map(([, p]) => p), t.gradClip);
      opt.update(t.lr * lr(step));
      opt.zeroGrad();
      ema.update(model, EMA.rampedDecay(t.emaDecay, t.emaRampup, step + 1));
      losses.push(loss);
      step += 1;
      if (batch && codebook) {
        stats.restarts += codebook.afterStep(step, batch, gen);
        batch.x.dispose();
        batch.codes.dispose();
      }
      progress.update(step, { loss: stats.runningLoss() });
      last = step >= end || stop;
      if ((step % t.logEvery === 0 || last) && replicas.writer) {
        const row = stats.flush();
        appendJsonl(run.metrics, { step, lr: t.lr * lr(step - 1), stepsPerSec: progress.rate(step), threads: numThreads(),
          worldSize: replicas.group?.size ?? 1, ...row, ...(configChange && { configChange }) });
        configChange = null;
        if (!quiet) warnCollapse(step, row.perplexity as number[] | undefined, cfg.latents.k);
      }
      if (!replicas.writer) continue;
      if (last) checkpoints.saveNow(snapshot());
      else if (step % t.checkpointEvery === 0) checkpoints.schedule(snapshot());
    }
  } finally {
    progress?.done();
    replicas.dispose();
    batches.dispose();
    gen.dispose();
    ema.dispose();
    opt.dispose();
    model.dispose();
    data.x.dispose();
  }
  return { step, stepsPerSec: progress?.rate(step) ?? 0, losses };
}

/** The training state that data-parallel ranks copy from rank 0 (model, EMA, Adam, RNGs, data position, code usage). */
interface TrainParts { model: DiscoDiff; ema: EMA; opt: Adam; gen: Generator; batches: BatchIterator; codebook: AnalyticCodebook | null }

/** rank 0's counters in JSON (RNG states in base64). */
interface Counters {
  step: number;
  data: { epoch: number; index: number };
  adamStep: number;
  rng: { train: string; global: string };
  codeUsage: { usage: number[][] } | null;
}

/** Starts the replicas from rank 0's state (a no-op on one process); returns the step to continue from. */
function startReplicas(replicas: Replicas, s: TrainParts, step: number): number {
  const tensors: Tensor[] = [...s.model.stateDict().values(), ...s.ema.shadow.values(), ...s.opt.expAvg, ...s.opt.expAvgSq];
  const b64 = (u: Uint8Array) => Buffer.from(u).toString('base64');
  const mine: Counters | null = replicas.writer ? { step, data: s.batches.state(), adamStep: s.opt.step,
    rng: { train: b64(s.gen.getState()), global: b64(globalRngState()) }, codeUsage: s.codebook?.restarts?.state() ?? null } : null;
  const c = replicas.start(tensors, s.model.parameters(), mine);
  if (replicas.writer) return step;
  s.batches.restore(c.data);
  s.opt.step = c.adamStep;
  s.gen.setState(Buffer.from(c.rng.train, 'base64'));
  setGlobalRngState(Buffer.from(c.rng.global, 'base64'));
  if (c.codeUsage) s.codebook?.restarts?.restore(c.codeUsage);
  return c.step;
}

/** Loads a checked checkpoint into the training state; the checkpoint's tensors are freed after. */
function restoreState(r: Resume, s: TrainParts): void {
  const { ck } = r;
  s.model.loadStateDict(ck.model);
  s.ema.load(ck.ema);
  ck.restoreOptimizer('adam', s.opt);
  const rng = ck.rng.get('train');
  if (!rng) throw new Error(`corrupt checkpoint ${ck.path}: no training RNG state`);
  s.gen.setState(rng);
  const global = ck.rng.get('global'); // dropout inside networks draws from the global stream
  if (global) setGlobalRngState(global);
  s.batches.restore(r.data);
  if (s.codebook?.restarts) s.codebook.restarts.restore(ck.meta.codeUsage as { usage: number[][] });
  ck.dispose();
}

/** Copies a trained run's EMA weights into every tensor of `model` with the same name and shape. */
function initFromRun(model: DiscoDiff, dir: string, quiet?: boolean): void {
  const src = new RunDir(dir);
  src.require(src.checkpoint, 'a trained run for --init-from');
  const ck = loadCheckpoint(src.checkpoint);
  try {
    const weights = ck.ema.size ? ck.ema : ck.model;
    const own = model.stateDict();
    const foreign = [...weights.keys()].filter((k) => !own.has(k));
    const mismatch = [...weights].filter(([k, t]) => own.has(k) && own.get(k)!.shape.join() !== t.shape.join()).map(([k]) => k);
    if (foreign.length || mismatch.length) {
      throw new Error(`--init-from ${dir}: its network differs from this config's (` +
        [foreign.length ? `not in this model: ${foreign.slice(0, 5).join(', ')}` : '',
          mismatch.length ? `other shape: ${mismatch.slice(0, 5).join(', ')}` : ''].filter(Boolean).join('; ') + ')');
    }
    model.loadStateDict(weights, false);
    if (!quiet) {
      const fresh = [...own.keys()].filter((k) => !weights.has(k)).length;
      console.error(`initialised ${weights.size} tensors from ${src.checkpoint}; ${fresh} start fresh`);
    }
  } finally {
    ck.dispose();
  }
}

/** A latent whose codes over the last log interval have perplexity below 2 has collapsed. */
function warnCollapse(step: number, perplexity: number[] | undefined, k: number): void {
  const bad = (perplexity ?? []).map((p, i) => [i, p] as const).filter(([, p]) => k > 2 && p < 2);
  if (bad.length) {
    process.stderr.write(`warning: step ${step}: latent${bad.length > 1 ? 's' : ''} ${bad.map(([i]) => i).join(', ')} ` +
      `collapsed (code perplexity ${bad.map(([, p]) => p.toFixed(2)).join(', ')} of ${k}); see README "Latents that learn"\n`);
  }
}

/**
 * Forward + backward of this rank's rows of one batch, gradients averaged over the ranks; returns
 * the whole batch's EDM loss, the total with regularisers, the batch points and codes when the
 * codebook needs them, and whether any rank's time budget is spent.
 */
function stepOnce(model: DiscoDiff, batches: BatchIterator, gen: Generator, stats: IntervalStats, replicas: Replicas,
  o: { tau: number; restarts: CodeRestarts | null; keepBatch: boolean; deadline: number }):
  { loss: number; total: number; batch: CodeBatch | null; stop: boolean } {
  const b = batches.next();
  const r = withRowShard(replicas.rows, () => model.stageILoss(b.x, b.labels, gen, { tau: o.tau }));
  r.loss.backward();
  replicas.averageGradients();
  const s = replicas.gather({ total: r.loss, perSample: r.perSample, sigma: r.sigma, codes: r.codes, regularisers: r.regularisers,
    x: o.keepBatch && r.codes ? b.x.flatten(1) : null, stop: performance.now() >= o.deadline });
  const loss = s.perSample.reduce((a, v) => a + v, 0) / s.perSample.length;
  stats.add(loss, s.perSample, s.sigma, s.codes ?? undefined, s.m || undefined, s.regularisers ?? undefined);
  if (s.codes) o.restarts?.observe(s.codes);
  return { loss, total: s.total, batch: s.batch, stop: s.stop };
}

/** Loss, loss per σ bin, code usage and perplexity accumulated between two log lines. */
class IntervalStats {
  /** Code restart moves made in the interval. */
  restarts = 0;
  private loss = 0;
  private regularisers = 0;
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
    this.regularisers = 0;
    this.restarts = 0;
    this.n = 0;
    this.binSum.fill(0);
    this.binCount.fill(0);
    this.codeCounts = this.latents ? Array.from({ length: this.latents.m }, () => Array(this.latents!.k).fill(0)) : [];
  }

  add(loss: number, perSample: number[], sigma: number[], codes?: number[], m?: number, regularisers?: number): void {
    this.loss += loss;
    this.regularisers += regularisers ?? 0;
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

  /** Per-latent perplexity exp(H) of the argmax codes seen since the last flush. */
  perplexity(): number[] {
    return this.codeCounts.map((row) => (row.some((c) => c > 0) ? Math.exp(countsEntropy(row)) : 0));
  }

  flush(): Record<string, unknown> {
    const row: Record<string, unknown> = {
      loss: this.loss / Math.max(1, this.n),
      lossBySigma: SIGMA_BINS.map((e, i) => ({ sigmaBelow: e === Infinity ? null : e,
        loss: this.binCount[i] ? this.binSum[i]! / this.binCount[i]! : null })),
    };
    if (this.latents) {
      row.codesUsed = this.codeCounts.map((c) => c.filter((v) => v > 0).length);
      row.perplexity = this.perplexity().map((p) => Number(p.toFixed(3)));
      if (this.regularisers) row.regularisers = this.regularisers / Math.max(1, this.n);
      if (this.restarts) row.restarts = this.restarts;
    }
    this.reset();
    return row;
  }
}
