/**
 * Stage I of DisCo-Diff (Xu et al. 2024): the denoiser and the encoder trained end to end on the
 * EDM loss (or the plain EDM baseline when latents are off). `train` reads top to bottom: set up,
 * resume, then per step { batch, loss, backward, clip, Adam step, EMA, codebook hooks, metrics row,
 * checkpoint }, the last step's checkpoint written at once. Each concern has a file of its own:
 * resume.ts (exact resume: model, EMA, Adam, RNG, data position; the run's config record),
 * interval-stats.ts (the metrics rows), codebook-hooks.ts, checkpoint-policy.ts (only verified
 * checkpoints replace the last good one), run-lock.ts (one writer per run directory),
 * signals.ts (a signal stops the loop after its step, with a checkpoint) and replicas.ts (data
 * parallel: every rank trains its rows of each batch, and the replicas stay those of one process
 * with the whole batch). docs/runs.md describes run directories and resume.
 */
import {
  Generator, manualSeed, numThreads, setNumThreads, tidy, withRowShard, type Device,
} from '../engine/index.js';
import { Adam, EMA, clipGradNorm, warmup } from '../optim/index.js';
import type { RunConfig } from '../config/schema.js';
import { BatchIterator, type DataInfo, type Dataset } from '../data/dataset.js';
import { loadDataset } from '../data/load.js';
import { createModel } from '../networks/build.js';
import type { DiscoDiff } from '../disco/model.js';
import type { CodeRestarts } from '../disco/codebook/restarts.js';
import { AnalyticCodebook, type CodeBatch } from '../disco/codebook/analytic-codebook.js';
import { RunDir } from './run-dir.js';
import { CheckpointPolicy } from './checkpoint-policy.js';
import { withRunLock } from './run-lock.js';
import { appendJsonl } from './jsonl.js';
import {
  configChangeNote, openResume, recordResume, recordStart, restoreState, snapshot, startFresh, type Resume, type TrainState,
} from './resume.js';
import { initFromRun } from './init-from.js';
import { codebookAfterStep, initCodebook, keepsBatch } from './codebook-hooks.js';
import { IntervalStats, collapseWarning } from './interval-stats.js';
import { Progress } from './progress.js';
import { Replicas, startReplicas, type StopReason } from './replicas.js';
import { Interrupted, StopSignals } from './signals.js';
import type { ProcessGroup } from '../parallel/group.js';

export interface TrainOptions {
  resume?: boolean;
  quiet?: boolean;
  /** Stop after this step (the run can be resumed); for tests and budgets. */
  stopAt?: number;
  /** Stop (with a checkpoint) once this many minutes of training have passed: a wall-clock budget. */
  maxMinutes?: number;
  /**
   * A trained run (e.g. plain EDM) whose EMA weights initialise every tensor of the same name and
   * shape; the rest (encoder, cross-attention, latent embeddings) starts fresh (src/train/init-from.ts).
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

async function train(cfg: RunConfig, run: RunDir, resume: Resume | null, o: TrainOptions): Promise<TrainResult> {
  // Set up: data, model, optimizer, EMA, RNG, batches, schedules.
  const t = cfg.train, lat = cfg.latents;
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
  const codebook = AnalyticCodebook.of(model, lat, t.steps);
  // Centres learned by EMA are outside Adam (scale 0); a lower encoder lr keeps Adam from turning
  // the encoder's tiny, noisy early gradient into full-size steps.
  const opt = new Adam(model.namedParameters(), { lr: t.lr, lrScale: (name) =>
    (codebook?.frozen(name) ? 0 : name.startsWith('encoder.') ? t.encoderLrScale : 1) });
  const ema = new EMA(model, t.emaDecay);
  const gen = new Generator(t.seed + 1);
  const batches = new BatchIterator(data, t.batch, t.seed, 'flip' in cfg.data && cfg.data.flip, replicas.rows);
  const state: TrainState = { model, ema, opt, gen, batches, codebook };
  const lr = warmup(t.warmupSteps);
  // Gumbel-Softmax temperature: τ, or annealed geometrically from τ to tauEnd over the run.
  const tauAt = (s: number) => (lat.tauEnd === null ? lat.tau : lat.tau * (lat.tauEnd / lat.tau) ** (s / t.steps));
  const stats = new IntervalStats(lat.enabled ? lat : null);
  const checkpoints = new CheckpointPolicy(run.checkpoint, () => ({ model: model.stateDict(), ema, optimizers: { adam: opt } }),
    resume?.step ?? null, t.checkpointEvery);
  const end = Math.min(t.steps, o.stopAt ?? t.steps);
  const deadline = o.maxMinutes ? performance.now() + o.maxMinutes * 60_000 : Infinity;
  const quiet = o.quiet || !replicas.writer;
  const losses: number[] = [];
  let step = resume?.step ?? 0;
  let configChange = configChangeNote(resume);
  let progress: Progress | null = null;
  let signal: NodeJS.Signals | null = null;
  const signals = StopSignals.listen();
  try {
    // Resume, or record a new run and start its codebook from the data; then the ranks take rank 0's state.
    if (resume) {
      restoreState(resume, state);
      recordResume(run, cfg, resume, o.quiet);
    } else if (replicas.writer) {
      recordStart(run, cfg);
      initCodebook(cfg, model, codebook, data, gen);
    }
    step = startReplicas(replicas, state, step);
    progress = new Progress(lat.enabled ? 'disco' : 'edm', t.steps, step, quiet, replicas.group?.size);
    model.train();
    // A time budget always allows one step, so every call makes progress and saves it.
    let last = step >= end;
    while (!last) {
      signal = await signals.requested();
      // Batch, loss and backward; the loss of these weights verifies the checkpoint taken before.
      const { loss, batch, stop } = tidy(() => {
        const r = stepOnce(model, batches, gen, stats, replicas, { tau: tauAt(step), restarts: codebook?.restarts ?? null,
          keepBatch: keepsBatch(codebook, step + 1), deadline, signal });
        checkpoints.verify(step + 1, r.loss, r.total);
        return r;
      });
      o.onStep?.({ step: step + 1, model, loss });
      if (t.gradClip) clipGradNorm(opt.params.map(([, p]) => p), t.gradClip);
      opt.update(t.lr * lr(step));
      opt.zeroGrad();
      ema.update(model, EMA.rampedDecay(t.emaDecay, t.emaRampup, step + 1));
      losses.push(loss);
      step += 1;
      stats.restarts += codebookAfterStep(codebook, step, batch, gen);
      progress.update(step, { loss: stats.runningLoss() });
      // A rank whose signal was not yet delivered learns it from the rank that stopped first.
      if (stop !== null && stop !== 'budget') signal ??= stop;
      last = step >= end || stop !== null;
      if (!replicas.writer) continue;
      if (step % t.logEvery === 0 || last) {
        const row = stats.flush();
        appendJsonl(run.metrics, { step, lr: t.lr * lr(step - 1), stepsPerSec: progress.rate(step), threads: numThreads(),
          worldSize: replicas.group?.size ?? 1, ...row, ...(configChange && { configChange }) });
        configChange = null;
        const warning = quiet ? null : collapseWarning(step, row.perplexity as number[] | undefined, lat.k);
        if (warning) process.stderr.write(warning);
      }
      checkpoints.afterStep(step, last, () => snapshot(state, step, cfg, info));
    }
  } finally {
    signals.dispose();
    progress?.done();
    replicas.dispose();
    batches.dispose();
    gen.dispose();
    ema.dispose();
    opt.dispose();
    model.dispose();
    data.x.dispose();
  }
  if (signal && replicas.writer) throw new Interrupted(signal, `stopped by ${signal} at step ${step}; checkpoint written; resume with --resume`);
  return { step, stepsPerSec: progress?.rate(step) ?? 0, losses };
}

/**
 * Forward + backward of this rank's rows of one batch, gradients averaged over the ranks; returns
 * the whole batch's EDM loss, the total with regularisers, the batch points and codes when the
 * codebook needs them, and why the ranks stop after it (a signal any of them received, or a spent
 * time budget), or null.
 */
function stepOnce(model: DiscoDiff, batches: BatchIterator, gen: Generator, stats: IntervalStats, replicas: Replicas,
  o: { tau: number; restarts: CodeRestarts | null; keepBatch: boolean; deadline: number; signal: NodeJS.Signals | null }):
  { loss: number; total: number; batch: CodeBatch | null; stop: StopReason } {
  const b = batches.next();
  const r = withRowShard(replicas.rows, () => model.stageILoss(b.x, b.labels, gen, { tau: o.tau }));
  r.loss.backward();
  replicas.averageGradients();
  const s = replicas.gather({ total: r.loss, perSample: r.perSample, sigma: r.sigma, codes: r.codes, regularisers: r.regularisers,
    x: o.keepBatch && r.codes ? b.x.flatten(1) : null, stop: o.signal ?? (performance.now() >= o.deadline ? 'budget' : null) });
  const loss = s.perSample.reduce((a, v) => a + v, 0) / s.perSample.length;
  stats.add(loss, s.perSample, s.sigma, s.codes ?? undefined, s.m || undefined, s.regularisers ?? undefined);
  if (s.codes) o.restarts?.observe(s.codes);
  return { loss, total: s.total, batch: s.batch, stop: s.stop };
}
