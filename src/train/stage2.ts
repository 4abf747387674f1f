/**
 * Stage II of DisCo-Diff (Xu et al. 2024): push the training set through the trained encoder
 * (argmax codes, and its probabilities as optional soft targets), then fit the autoregressive prior
 * by maximum likelihood. Writes latents.npy, prior.safetensors and prior-metrics.jsonl. In a
 * data-parallel job (src/parallel) every rank encodes its share of the training set and rank 0
 * fits the prior.
 */
import { rmSync } from 'node:fs';
import { cat, keep, manualSeed, tidy, zeros, type Tensor } from '../engine/index.js';
import { Adam, warmupCosine } from '../optim/index.js';
import { saveCheckpoint, saveNpy } from '../io/index.js';
import { BatchIterator, type DataInfo, type Dataset } from '../data/dataset.js';
import { loadDataset } from '../data/load.js';
import { appendJsonl } from './jsonl.js';
import { RunDir } from './run-dir.js';
import { withRunLock } from './run-lock.js';
import { codeUsage, countsEntropy } from '../metrics/code-usage.js';
import { createPrior, loadRun } from './load-run.js';
import { Progress } from './progress.js';
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
 * Stage II on the run in `dir`, holding its lock; a new prior replaces an earlier one and its log.
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

async function fitPrior(dir: string, quiet: boolean | undefined, group: ProcessGroup | null): Promise<PriorResult> {
  const { run, cfg, info, model } = loadRun(dir);
  if (!model.encoder) {
    model.dispose();
    throw new Error(`${dir} is a plain EDM run (latents.enabled = false): it has no latents to model`);
  }
  if (group) {
    group.shareJson({ cfg, info }, 'the copy of the run');
    group.broadcastAll_([...model.stateDict().values()], 'the copy of the weights');
  }
  rmSync(run.priorMetrics, { force: true });
  const p = cfg.prior;
  const data = await loadDataset(cfg.data, cfg.train.seed);
  const N = data.x.size(0);
  const encoded = encodeTrainingSet(model, data, cfg.train.batch, group);
  const allCodes = keep(encoded.codes);
  const allProbs = keep(encoded.probs);
  saveNpy(run.latents, allCodes);
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
  const progress = new Progress('prior', p.steps, 0, quiet);
  let loss = NaN;
  prior.train();
  for (let step = 0; step < p.steps; step++) {
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
    if ((step + 1) % 100 === 0 || step + 1 === p.steps) appendJsonl(run.priorMetrics, { step: step + 1, loss });
  }
  progress.done();
  saveCheckpoint(run.prior, { model: prior.stateDict(), meta: { stage: 'prior', steps: p.steps, loss, codeEntropy } });
  for (const t of [allCodes, allProbs, data.x]) t.dispose();
  data.labels?.dispose();
  batches.dispose();
  opt.dispose();
  prior.dispose();
  return { finalLoss: loss, codeEntropy };
}
