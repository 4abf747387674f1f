/**
 * Stage II of DisCo-Diff (Xu et al. 2024): push the training set through the trained encoder
 * (argmax codes, and its probabilities as optional soft targets), then fit the autoregressive prior
 * by maximum likelihood. Writes latents.npy, prior.safetensors (which records the encoder it was
 * fitted to) and prior-metrics.jsonl. In a data-parallel job (src/parallel) every rank encodes its
 * share of the training set and rank 0 fits the prior.
 */
import { mkdirSync, renameSync, rmdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { cat, keep, manualSeed, tidy, zeros, type Tensor } from '../engine/index.js';
import { Adam, warmupCosine } from '../optim/index.js';
import { saveCheckpoint, saveNpy } from '../io/index.js';
import { BatchIterator, type DataInfo, type Dataset } from '../data/dataset.js';
import { loadDataset } from '../data/load.js';
import { appendJsonl } from './jsonl.js';
import { RunDir } from './run-dir.js';
import { withRunLock } from './run-lock.js';
import { codeUsage, countsEntropy } from '../metrics/code-usage.js';
import { createPrior, loadRun, type EncoderRecord } from './load-run.js';
import { Progress } from './progress.js';
import { Interrupted, StopSignals } from './signals.js';
import type { RunConfig } from '../config/schema.js';
import type { DiscoDiff } from '../disco/model.js';
import { createModel } from '../networks/build.js';
import type { ProcessGroup } from '../parallel/group.js';
import { gatherRows, rowRange } from '../parallel/shards.js';

export interface PriorResult {
  finalLoss: number;
  /** Entropy (nats) of the extracted codes' empirical distribution, per latent. */
  codeEntropy: number[];
}

/**
 * Stage II on the run in `dir`, holding its lock. The new latents, prior and log replace the earlier
 * ones only when the fit has finished, so an interrupted fit leaves the earlier set as it was.
 * With a process group, rank 0 reads the run and the ranks encode the training set together; the
 * ranks other than 0 then return null.
 */
export async function trainPrior(dir: string, o?: { quiet?: boolean }): Promise<PriorResult>;
export async function trainPrior(dir: string, o: { quiet?: boolean; group: ProcessGroup | null }): Promise<PriorResult | null>;
export async function trainPrior(dir: string, o: { quiet?: boolean; group?: ProcessGroup | null } = {}): Promise<PriorResult | null> {
  const group = o.group ?? null;
  if (group && group.rank > 0) {
    const { cfg, model } = receiveModel(group);
    const data = await loadDataset(cfg.data, cfg.train.seed);
    const t = encodeTrainingSet(model, data, cfg.train.batch, group);
    for (const x of [t.codes, t.probs, data.x]) x.dispose();
    data.labels?.dispose();
    model.dispose();
    return null;
  }
  const run = new RunDir(dir);
  run.require();
  return withRunLock(run, 'train-prior', o.quiet, () => fitPrior(dir, o.quiet, group));
}

/** Rank 0's trained model (its config, data facts and EMA weights) on this rank. */
function receiveModel(group: ProcessGroup): { cfg: RunConfig; model: DiscoDiff } {
  const { cfg, info } = group.shareJson<{ cfg: RunConfig; info: DataInfo }>(null, 'the copy of the run');
  const model = createModel(cfg, info).eval();
  group.broadcastAll_([...model.stateDict().values()], 'the copy of the weights');
  return { cfg, model };
}

/**
 * The encoder's codes [N, m] and probabilities [N, m, k] of every training sample, in chunks of the
 * training batch (on CPU larger chunks are slower; docs/images.md). With a group each rank encodes
 * its rows.
 */
function encodeTrainingSet(model: DiscoDiff, data: Dataset, chunk: number, group: ProcessGroup | null): { codes: Tensor; probs: Tensor } {
  const N = data.x.size(0);
  const { start, end } = group ? rowRange(N, group.rank, group.size) : { start: 0, end: N };
  const codes: Tensor[] = [], probs: Tensor[] = [];
  for (let i = start; i < end; i += chunk) {
    const r = tidy(() => model.extractLatents(data.x.slice(0, i, Math.min(end, i + chunk)), data.labels?.slice(0, i, Math.min(end, i + chunk))));
    codes.push(r.codes);
    probs.push(r.probs);
  }
  const { m, k } = model.latents;
  return tidy(() => ({
    codes: gatherRows(group, codes.length ? cat(codes) : zeros([0, m], { dtype: 'int64' }), N, 'the gather of the codes'),
    probs: gatherRows(group, probs.length ? cat(probs) : zeros([0, m, k]), N, 'the gather of the code probabilities'),
  }));
}

/**
 * Rank 0's part: fits the prior into RUN/prior-next, then moves the new set into the run, the
 * prior last. We hold the run's lock, so a prior-next found at the start is a killed fit's.
 */
async function fitPrior(dir: string, quiet: boolean | undefined, group: ProcessGroup | null): Promise<PriorResult> {
  const { run, cfg, info, model } = loadRun(dir);
  if (!run.encoder) {
    model.dispose();
    throw new Error(`${dir} is a plain EDM run (latents.enabled = false): it has no latents to model`);
  }
  if (group) {
    group.shareJson({ cfg, info }, 'the copy of the run');
    group.broadcastAll_([...model.stateDict().values()], 'the copy of the weights');
  }
  const next = new RunDir(join(run.root, 'prior-next'));
  rmSync(next.root, { recursive: true, force: true });
  mkdirSync(next.root);
  try {
    const r = await fitInto(next, cfg, model, { group, quiet, fittedTo: run.encoder });
    for (const file of ['latents', 'priorMetrics', 'prior'] as const) renameSync(next[file], run[file]);
    rmdirSync(next.root);
    return r;
  } catch (e) {
    rmSync(next.root, { recursive: true, force: true });
    throw e;
  }
}

/** Encodes the training set with `model` (then frees it) and fits the prior; writes the set into `out`. */
async function fitInto(out: RunDir, cfg: RunConfig, model: DiscoDiff,
  o: { group: ProcessGroup | null; quiet?: boolean; fittedTo: EncoderRecord }): Promise<PriorResult> {
  const p = cfg.prior;
  const data = await loadDataset(cfg.data, cfg.train.seed);
  const N = data.x.size(0);
  const encoded = encodeTrainingSet(model, data, cfg.train.batch, o.group);
  const allCodes = keep(encoded.codes);
  const allProbs = keep(encoded.probs);
  saveNpy(out.latents, allCodes);
  const codeEntropy = codeUsage(allCodes, cfg.latents.k).counts.map(countsEntropy);
  model.dispose();

  manualSeed(cfg.train.seed + 2);
  const prior = createPrior(cfg, data.numClasses);
  const opt = new Adam(prior.namedParameters(), { lr: p.lr });
  const targets = { name: 'latents', x: p.softTargets ? allProbs : allCodes, labels: data.labels, numClasses: data.numClasses };
  const batches = new BatchIterator(targets, Math.min(p.batch, N), cfg.train.seed + 4);
  // Cosine decay to 0: with a constant lr, Adam's minibatch noise leaves the prior's code
  // probabilities visibly off the data's (docs/latents.md).
  const lr = warmupCosine(Math.min(100, p.steps / 10), p.steps);
  const progress = new Progress('prior', p.steps, 0, o.quiet);
  let loss = NaN;
  prior.train();
  const signals = StopSignals.listen();
  try {
    for (let step = 0; step < p.steps; step++) {
      const signal = await signals.requested();
      if (signal) {
        throw new Interrupted(signal, `stopped by ${signal} at prior step ${step} of ${p.steps}; the run keeps its earlier prior, if any; ` +
          'run train-prior again');
      }
      loss = tidy(() => {
        const b = batches.next();
        const l = prior.loss(b.x, b.labels);
        l.backward();
        return l.item();
      });
      if (!Number.isFinite(loss)) throw new Error(`prior loss is ${loss} at step ${step}: lower prior.lr`);
      opt.update(p.lr * lr(step));
      opt.zeroGrad();
      progress.update(step + 1, { loss });
      if ((step + 1) % 100 === 0 || step + 1 === p.steps) appendJsonl(out.priorMetrics, { step: step + 1, loss });
    }
  } finally {
    signals.dispose();
    progress.done();
  }
  saveCheckpoint(out.prior, { model: prior.stateDict(), meta: { stage: 'prior', steps: p.steps, loss, codeEntropy, fittedTo: o.fittedTo } });
  for (const t of [allCodes, allProbs, data.x]) t.dispose();
  data.labels?.dispose();
  batches.dispose();
  opt.dispose();
  prior.dispose();
  return { finalLoss: loss, codeEntropy };
}
