/**
 * Gradient averaging for data-parallel training, as PyTorch's DDP does it: the gradients are packed
 * into buckets of at most `capBytes` (DDP's 25 MB; one dtype and device each), every bucket's
 * all-reduce is sent before the first is awaited, and every rank ends with the mean. A parameter
 * that has no gradient on any rank keeps none (as on one process with the whole batch); one that
 * has a gradient somewhere gets the mean, zeros standing in for the ranks without.
 */
import { Tensor, keep, noGrad, tensor, tidy, zeros, type DType } from '../engine/index.js';
import type { ProcessGroup } from './group.js';

/** DDP's default bucket size. */
export const BUCKET_BYTES = 25 * 2 ** 20;

const ITEM_BYTES: Partial<Record<DType, number>> = { float32: 4, float64: 8, float16: 2, bfloat16: 2 };

interface Member { index: number; offset: number; numel: number; shape: number[] }
interface Bucket { flat: Tensor; members: Member[] }

export class GradientAverager {
  private readonly buckets: Bucket[] = [];

  constructor(private readonly group: ProcessGroup, private readonly params: Tensor[], capBytes = BUCKET_BYTES) {
    let open: { key: string; members: Member[]; numel: number; dtype: DType; device: Tensor['device'] } | null = null;
    const close = () => {
      if (open) this.buckets.push({ flat: keep(zeros([open.numel], { dtype: open.dtype, device: open.device })), members: open.members });
      open = null;
    };
    params.forEach((p, index) => {
      const item = ITEM_BYTES[p.dtype];
      if (!item) throw new Error(`data-parallel training needs floating-point parameters, got ${p.dtype} (parameter ${index})`);
      const key = `${p.dtype}@${p.device}`;
      if (open && (open.key !== key || (open.numel + p.numel) * item > capBytes)) close();
      open ??= { key, members: [], numel: 0, dtype: p.dtype, device: p.device };
      open.members.push({ index, offset: open.numel, numel: p.numel, shape: p.shape });
      open.numel += p.numel;
    });
    close();
  }

  /** Number of buckets (one all-reduce each per step). */
  get bucketCount(): number {
    return this.buckets.length;
  }

  /** Replaces every gradient by its mean over the group. */
  average(): void {
    noGrad(() => tidy(() => {
      const grads = this.params.map((p) => p.grad);
      for (const b of this.buckets) {
        for (const m of b.members) {
          const slot = b.flat.slice(0, m.offset, m.offset + m.numel);
          const g = grads[m.index];
          if (g) slot.copy_(g.flatten());
          else slot.zero_();
        }
      }
      const present = tensor(grads.map((g) => (g ? 1 : 0)), { dtype: 'float64' });
      this.group.allreduceSum_([...this.buckets.map((b) => b.flat), present], 'the gradient all-reduce');
      const holders = present.toFlatArray();
      for (const b of this.buckets) {
        b.flat.mul_(1 / this.group.size);
        for (const m of b.members) {
          if (holders[m.index] === 0) continue;
          const mean = b.flat.slice(0, m.offset, m.offset + m.numel).view(...m.shape);
          const g = grads[m.index];
          if (g) g.copy_(mean);
          else this.params[m.index]!.setGrad(mean.clone());
        }
      }
    }));
  }

  dispose(): void {
    for (const b of this.buckets) b.flat.dispose();
  }
}
