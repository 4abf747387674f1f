/** Splitting a job of `total` rows (samples to encode or to draw) over the ranks, and joining the results. */
import { cat, full, tidy, type Tensor } from '../engine/index.js';
import type { ProcessGroup } from './group.js';

/** Rows [start, end) of `total` that `rank` of `size` takes: contiguous, in rank order, counts differing by at most one. */
export function rowRange(total: number, rank: number, size: number): { start: number; end: number } {
  return { start: Math.floor((rank * total) / size), end: Math.floor(((rank + 1) * total) / size) };
}

/**
 * The whole `total`-row result on every rank, from each rank's `part` (its rows of `rowRange`,
 * possibly none); without a group, `part` is already the whole. Parts are padded to one shape for
 * the gather and cut back after it.
 */
export function gatherRows(group: ProcessGroup | null, part: Tensor, total: number, what: string): Tensor {
  if (!group) return part;
  return tidy(() => {
    const per = Math.ceil(total / group.size);
    const rest = part.shape.slice(1);
    const padded = part.size(0) === per ? part : cat([part, full([per - part.size(0), ...rest], 0, { dtype: part.dtype, device: part.device })]);
    const all = group.allgather(padded.contiguous(), what); // (size, per, …)
    return cat(Array.from({ length: group.size }, (_, r) => {
      const { start, end } = rowRange(total, r, group.size);
      return all.select(0, r).slice(0, 0, end - start);
    }));
  });
}
