/**
 * Pointer latents (DisCo-DiffDock, Xu et al. 2024): a latent whose classes are the items of one
 * segment (the nodes of one complex), so each segment b has its own number of classes k_b. The
 * items of all segments are concatenated, with per-item logits [N, m], one column per latent. A
 * PointerLayout pads them to [B, m, K] (K = max k_b) with −∞ on the padding, so that the
 * Gumbel-Softmax of gumbel.ts and a plain softmax apply unchanged and give the padding 0. An item's
 * class is its position among its segment's items, in item order.
 */
import { tensor, tidy, zeros, type Device, type DType, type Tensor } from '../engine/index.js';
import { gumbelSoftmax, type GumbelOptions } from './gumbel.js';

/** Where each item of a segmented list goes in the padded [B, m, K] layout. */
export class PointerLayout {
  /** Classes k_b of each segment. */
  readonly counts: Int32Array;
  /** Each item's class in its segment. */
  readonly slot: Int32Array;
  /** The items of each segment, by class. */
  readonly items: Int32Array[];
  /** K = max k_b. */
  readonly width: number;

  /** `segment[i]` ∈ [0, segments) is item i's segment; every segment needs at least one item. */
  constructor(readonly segment: ArrayLike<number>, readonly segments: number, readonly device: Device = 'cpu') {
    this.counts = new Int32Array(segments);
    this.slot = new Int32Array(segment.length);
    for (let i = 0; i < segment.length; i++) {
      const b = segment[i]!;
      if (!(Number.isInteger(b) && b >= 0 && b < segments)) throw new Error(`PointerLayout: item ${i} has segment ${b}, not in 0..${segments - 1}`);
      this.slot[i] = this.counts[b]!++;
    }
    const empty = this.counts.indexOf(0);
    if (empty >= 0) throw new Error(`PointerLayout: segment ${empty} has no items (a pointer needs at least one class)`);
    this.items = Array.from(this.counts, (k) => new Int32Array(k));
    for (let i = 0; i < segment.length; i++) this.items[segment[i]!]![this.slot[i]!] = i;
    this.width = Math.max(0, ...this.counts);
  }

  /** Items N. */
  get size(): number {
    return this.slot.length;
  }

  /** Row b·K + class of each item in the padded layout, int64 [N]. */
  private rows(): Tensor {
    return tensor(Array.from(this.slot, (c, i) => this.segment[i]! * this.width + c), { dtype: 'int64', shape: [this.size], device: this.device });
  }

  /** Per-item values [N, m] → [B, m, K], −∞ on the padding. */
  pad(values: Tensor): Tensor {
    if (values.ndim !== 2 || values.size(0) !== this.size) throw new Error(`PointerLayout.pad: expected [${this.size}, m] values, got [${values.shape}]`);
    const m = values.size(1), B = this.segments, K = this.width;
    return tidy(() => {
      const padding = new Uint8Array(B * K).fill(1);
      for (let i = 0; i < this.size; i++) padding[this.segment[i]! * K + this.slot[i]!] = 0;
      const mask = tensor(padding, { dtype: 'bool', shape: [B * K, 1], device: this.device });
      return zeros([B * K, m], { dtype: values.dtype, device: values.device }).indexAdd(0, this.rows(), values)
        .maskedFill(mask, -Infinity).view(B, K, m).transpose(1, 2); // (B, m, K)
    });
  }

  /** [B, m, K] → the items' values [N, m]. */
  unpad(padded: Tensor): Tensor {
    const [B, m, K] = padded.shape as [number, number, number];
    if (padded.ndim !== 3 || B !== this.segments || K !== this.width) {
      throw new Error(`PointerLayout.unpad: expected [${this.segments}, m, ${this.width}], got [${padded.shape}]`);
    }
    return tidy(() => padded.transpose(1, 2).reshape(B * K, m).indexSelect(0, this.rows()));
  }

  /** The class of each (segment, latent) where `values` [N, m] is largest: codes [B·m], row-major. */
  codes(values: Tensor): Int32Array {
    return Int32Array.from(tidy(() => this.pad(values).argmax(-1).toFlatArray()));
  }

  /** One-hot values [N, m] of codes [B·m] (row-major, a class of each segment per latent). */
  oneHot(codes: ArrayLike<number>, m: number, dtype: DType = 'float32'): Tensor {
    if (codes.length !== this.segments * m) throw new Error(`PointerLayout.oneHot: expected ${this.segments}·${m} codes, got ${codes.length}`);
    const v = new Float64Array(this.size * m);
    for (let b = 0; b < this.segments; b++) {
      for (let j = 0; j < m; j++) {
        const c = codes[b * m + j]!;
        if (!(Number.isInteger(c) && c >= 0 && c < this.counts[b]!)) {
          throw new Error(`PointerLayout.oneHot: code ${c} of segment ${b}, latent ${j} is not a class 0..${this.counts[b]! - 1}`);
        }
        v[this.items[b]![c]! * m + j] = 1;
      }
    }
    return tensor(v, { dtype, shape: [this.size, m], device: this.device });
  }
}

/**
 * Gumbel-Softmax samples (gumbel.ts) of pointer logits [N, m]: for each segment and latent, a
 * relaxed (or, `hard`, straight-through one-hot) sample over that segment's items → [N, m].
 */
export function pointerGumbel(logits: Tensor, layout: PointerLayout, o: GumbelOptions): Tensor {
  return tidy(() => layout.unpad(gumbelSoftmax(layout.pad(logits), o)));
}

/** Probabilities [N, m]: the softmax of each latent's logits over each segment's items. */
export function pointerSoftmax(logits: Tensor, layout: PointerLayout): Tensor {
  return tidy(() => layout.unpad(layout.pad(logits).softmax(-1)));
}

/** Log-probabilities [N, m] of pointerSoftmax (finite on every item). */
export function pointerLogSoftmax(logits: Tensor, layout: PointerLayout): Tensor {
  return tidy(() => layout.unpad(layout.pad(logits).logSoftmax(-1)));
}
