/** Neural-network functions (as torch.nn.functional): layers' maths without parameters. */
import { N } from './native.js';
import { Tensor } from './tensor.js';
import { rand, type Generator } from './random.js';
import { full } from './creation.js';
import { tidy } from './scope.js';

type Pair = number | [number, number];
const pair = (v: Pair): number[] => (typeof v === 'number' ? [v, v] : v);
const opt = (t?: Tensor | null): number | null => (t ? t.id : null);

/** `x @ w.T + b` with x [..., in], w [out, in]. */
export function linear(x: Tensor, w: Tensor, b?: Tensor | null): Tensor {
  return new Tensor(N.linear(x.id, w.id, opt(b)));
}

/** 2-D convolution of x [N, C, H, W] with w [O, C/groups, kh, kw]. */
export function conv2d(x: Tensor, w: Tensor, b?: Tensor | null,
  o: { stride?: Pair; padding?: Pair; dilation?: Pair; groups?: number } = {}): Tensor {
  return new Tensor(N.conv2d(x.id, w.id, opt(b), pair(o.stride ?? 1), pair(o.padding ?? 0), pair(o.dilation ?? 1),
    o.groups ?? 1));
}

/** Transposed 2-D convolution with w [C, O/groups, kh, kw]. */
export function convTranspose2d(x: Tensor, w: Tensor, b?: Tensor | null,
  o: { stride?: Pair; padding?: Pair; outputPadding?: Pair; groups?: number; dilation?: Pair } = {}): Tensor {
  return new Tensor(N.convTranspose2d(x.id, w.id, opt(b), pair(o.stride ?? 1), pair(o.padding ?? 0),
    pair(o.outputPadding ?? 0), o.groups ?? 1, pair(o.dilation ?? 1)));
}

export function avgPool2d(x: Tensor, kernel: Pair, stride: Pair = kernel, padding: Pair = 0): Tensor {
  return new Tensor(N.pool2d('avg', x.id, pair(kernel), pair(stride), pair(padding)));
}
export function maxPool2d(x: Tensor, kernel: Pair, stride: Pair = kernel, padding: Pair = 0): Tensor {
  return new Tensor(N.pool2d('max', x.id, pair(kernel), pair(stride), pair(padding)));
}

/** Resizes x [N, C, H, W] to `size`, or by `scale`, with nearest or bilinear sampling. */
export function interpolate(x: Tensor, o: { size?: [number, number]; scale?: number; mode?: 'nearest' | 'bilinear';
  alignCorners?: boolean }): Tensor {
  const s = x.shape;
  if (s.length !== 4) throw new Error(`interpolate: expects [N, C, H, W], got shape [${s}]`);
  const size = o.size ?? (o.scale ? [Math.floor(s[2]! * o.scale), Math.floor(s[3]! * o.scale)] : undefined);
  if (!size) throw new Error('interpolate: give size or scale');
  return new Tensor(N.resize2d(o.mode ?? 'nearest', x.id, size, o.alignCorners ?? false));
}

export function groupNorm(x: Tensor, groups: number, w?: Tensor | null, b?: Tensor | null, eps = 1e-5): Tensor {
  return new Tensor(N.groupNorm(x.id, groups, opt(w), opt(b), eps));
}
export function layerNorm(x: Tensor, shape: number[], w?: Tensor | null, b?: Tensor | null, eps = 1e-5): Tensor {
  return new Tensor(N.layerNorm(x.id, shape, opt(w), opt(b), eps));
}

/** Rows of `weight` [num, dim] picked by int64 `idx`. */
export function embedding(weight: Tensor, idx: Tensor): Tensor {
  return new Tensor(N.embedding(weight.id, idx.id));
}

/** Zeroes elements with probability p and scales the rest by 1/(1-p); identity when not training. */
export function dropout(x: Tensor, p: number, training: boolean, generator?: Generator): Tensor {
  if (!training || p === 0) return x;
  if (p < 0 || p >= 1) throw new Error(`dropout: p must be in [0, 1), got ${p}`);
  // A uniform draw, not bernoulli: in data-parallel training (withRowShard) each sample's mask then
  // does not depend on how the batch is split.
  return tidy(() => x.mul(rand(x.shape, { dtype: x.dtype, device: x.device, generator }).lt(1 - p)).mul(1 / (1 - p)));
}

export function softmax(x: Tensor, dim: number): Tensor { return x.softmax(dim); }
export function logSoftmax(x: Tensor, dim: number): Tensor { return x.logSoftmax(dim); }

/** Eigen-decomposition of symmetric matrices a [..., n, n]: values [..., n] ascending, vectors [..., n, n] as columns. */
export function eigh(a: Tensor): { values: Tensor; vectors: Tensor } {
  const [v, u] = N.eigh(a.id);
  return { values: new Tensor(v), vectors: new Tensor(u) };
}

/** One-hot encoding of int64 `idx` with `k` classes (int64). */
export function oneHot(idx: Tensor, k: number): Tensor { return new Tensor(N.oneHot(idx.id, k)); }

/** Pads the last dims: pads = [left, right, top, bottom, …] (as torch.nn.functional.pad). */
export function pad(x: Tensor, pads: number[], value = 0): Tensor { return new Tensor(N.pad(x.id, pads, value)); }

export type Reduction = 'mean' | 'sum' | 'none';

/** Mean squared error. */
export function mseLoss(a: Tensor, b: Tensor, reduction: Reduction = 'mean'): Tensor {
  return new Tensor(N.mseLoss(a.id, b.id, reduction));
}

/**
 * Cross-entropy of logits [B, C, ...] against class indices (int64 [B, ...]) or soft targets
 * (probabilities with the logits' shape).
 */
export function crossEntropy(logits: Tensor, target: Tensor, o: { reduction?: Reduction; labelSmoothing?: number } = {}): Tensor {
  return new Tensor(N.crossEntropy(logits.id, target.id, o.reduction ?? 'mean', o.labelSmoothing ?? 0));
}

/**
 * softmax(q kᵀ / √d + mask) v for q [..., Tq, d], k/v [..., Tk, d]. `mask` is additive (0 or -inf)
 * or boolean (true = attend); `causal` lets query i see keys 0..i (top-left aligned, as PyTorch).
 */
export function scaledDotProductAttention(q: Tensor, k: Tensor, v: Tensor,
  o: { mask?: Tensor; causal?: boolean } = {}): Tensor {
  return tidy(() => {
    let scores = q.matmul(k.mT).mul(1 / Math.sqrt(q.size(-1))); // (..., Tq, Tk)
    if (o.causal) {
      const allowed = full([q.size(-2), k.size(-2)], 1, { dtype: 'bool', device: q.device }).tril();
      scores = scores.maskedFill(allowed.logicalNot(), -Infinity);
    }
    if (o.mask) scores = o.mask.dtype === 'bool' ? scores.maskedFill(o.mask.logicalNot(), -Infinity) : scores.add(o.mask);
    return scores.softmax(-1).matmul(v);
  });
}
