/** An in-memory dataset and a seeded, resumable batch iterator over it. */
import { Generator, keep, rand, randperm, tidy, where, withRowShard, type RowShard, type Tensor } from '../engine/index.js';

/** Samples held as one tensor (images: float32 in [-1, 1], [N, C, H, W]). */
export interface Dataset {
  name: string;
  x: Tensor;
  /** int64 [N] class labels, or null. */
  labels: Tensor | null;
  /** Number of classes the model conditions on (0 = unconditional). */
  numClasses: number;
  /** For known mixtures: the true component of each sample, component centres and std. */
  components?: Tensor;
  centers?: number[][];
  std?: number;
}

/** What the networks need to know about the data (stored in checkpoints to rebuild them). */
export interface DataInfo {
  /** Shape of one sample, e.g. [2] or [1, 32, 32]. */
  shape: number[];
  numClasses: number;
  sigmaData: number;
}

/** A batch: data and, for class-conditional data, labels. */
export interface Batch {
  x: Tensor;
  labels?: Tensor;
}

/**
 * Shuffled batches without copying the dataset: each epoch draws a permutation from a generator
 * seeded by (seed, epoch) and gathers rows with indexSelect; flips use a generator seeded by
 * (seed, epoch, index). So the position {epoch, index} is the whole state and a resumed run sees
 * the same batches.
 */
export class BatchIterator {
  epoch = 0;
  index = 0;
  private perm: Tensor | null = null;

  /**
   * `rows`: in data-parallel training, the rows of each (global) batch of `batch` this process
   * takes; the order, flips and position are those of the whole batch.
   */
  constructor(readonly data: Dataset, readonly batch: number, readonly seed: number, readonly hflip = false,
    readonly rows: RowShard | null = null) {
    const n = data.x.size(0);
    if (batch > n) throw new Error(`batch size ${batch} is larger than the dataset (${n} samples)`);
    if (rows && (rows.total !== batch || !(rows.start >= 0 && rows.start < rows.end && rows.end <= batch))) {
      throw new Error(`rows [${rows.start}, ${rows.end}) of ${rows.total} are not a shard of a batch of ${batch}`);
    }
  }

  private seeded<T>(salt: number, fn: (g: Generator) => T): T {
    const g = new Generator((this.seed * 1_000_003 + this.epoch) * 1_000_033 + salt);
    try { return fn(g); } finally { g.dispose(); }
  }

  /** The next batch (drops the ragged end of each epoch). Caller disposes it (or uses tidy). */
  next(): Batch {
    const n = this.data.x.size(0);
    if (this.index + this.batch > n) {
      this.perm?.dispose();
      this.perm = null;
      this.epoch += 1;
      this.index = 0;
    }
    this.perm ??= keep(this.seeded(0, (generator) => randperm(n, { generator })));
    const start = this.index;
    this.index += this.batch;
    return tidy(() => {
      const r = this.rows ?? { start: 0, end: this.batch };
      const idx = this.perm!.slice(0, start + r.start, start + r.end);
      let x = this.data.x.indexSelect(0, idx);
      if (this.hflip) x = this.seeded(start + 1, (g) => withRowShard(this.rows, () => randomHFlip(x, g)));
      const labels = this.data.labels ? this.data.labels.indexSelect(0, idx) : undefined;
      return labels ? { x, labels } : { x };
    });
  }

  /** Position for checkpoints. */
  state(): { epoch: number; index: number } {
    return { epoch: this.epoch, index: this.index };
  }

  /** Jumps to a saved position. */
  restore(s: { epoch: number; index: number }): void {
    this.perm?.dispose();
    this.perm = null;
    this.epoch = s.epoch;
    this.index = s.index;
  }

  dispose(): void {
    this.perm?.dispose();
    this.perm = null;
  }
}

/** Flips each image [B, C, H, W] left-right with probability 1/2. */
export function randomHFlip(x: Tensor, generator: Generator): Tensor {
  return tidy(() => {
    const coin = rand([x.size(0)], { generator }).lt(0.5).view(-1, 1, 1, 1);
    return where(coin, x.flip(3), x);
  });
}
