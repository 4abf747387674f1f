/** The basic layers: Linear, Conv2d, GroupNorm, LayerNorm, Embedding, Dropout, MLP. */
import { F, ones, zeros, type Generator, type Tensor } from '../engine/index.js';
import { Module } from './module.js';
import { defaultWeight, normal, uniform, type InitOptions } from './init.js';

/** y = x Wᵀ + b, W [out, in]. PyTorch's default initialisation. */
export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  constructor(readonly inFeatures: number, readonly outFeatures: number, o: InitOptions & { bias?: boolean } = {}) {
    super();
    this.weight = this.param('weight', defaultWeight([outFeatures, inFeatures], o));
    this.bias = o.bias === false ? null : this.param('bias', uniform([outFeatures], 1 / Math.sqrt(inFeatures), o));
  }
  forward(x: Tensor): Tensor {
    return F.linear(x, this.weight, this.bias);
  }
}

/** 2-D convolution, W [out, in/groups, k, k], 'same'-style padding by default for odd k. */
export class Conv2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly stride: number;
  readonly padding: number;
  readonly groups: number;
  constructor(readonly inChannels: number, readonly outChannels: number, readonly kernel: number,
    o: InitOptions & { stride?: number; padding?: number; groups?: number; bias?: boolean } = {}) {
    super();
    this.stride = o.stride ?? 1;
    this.padding = o.padding ?? Math.floor(kernel / 2);
    this.groups = o.groups ?? 1;
    const shape = [outChannels, inChannels / this.groups, kernel, kernel];
    this.weight = this.param('weight', defaultWeight(shape, o));
    const fanIn = (inChannels / this.groups) * kernel * kernel;
    this.bias = o.bias === false ? null : this.param('bias', uniform([outChannels], 1 / Math.sqrt(fanIn), o));
  }
  forward(x: Tensor): Tensor {
    return F.conv2d(x, this.weight, this.bias, { stride: this.stride, padding: this.padding, groups: this.groups });
  }
}

/** Group normalisation over [N, C, ...] with a per-channel affine. */
export class GroupNorm extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor;
  constructor(readonly groups: number, readonly channels: number, readonly eps = 1e-5, o: InitOptions = {}) {
    super();
    if (channels % groups) throw new Error(`GroupNorm: ${channels} channels do not split into ${groups} groups`);
    this.weight = this.param('weight', ones([channels], o));
    this.bias = this.param('bias', zeros([channels], o));
  }
  forward(x: Tensor): Tensor {
    return F.groupNorm(x, this.groups, this.weight, this.bias, this.eps);
  }
}

/** Layer normalisation over the last dim. */
export class LayerNorm extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor;
  constructor(readonly dim: number, readonly eps = 1e-5, o: InitOptions = {}) {
    super();
    this.weight = this.param('weight', ones([dim], o));
    this.bias = this.param('bias', zeros([dim], o));
  }
  forward(x: Tensor): Tensor {
    return F.layerNorm(x, [this.dim], this.weight, this.bias, this.eps);
  }
}

/** A lookup table [num, dim] initialised N(0, 1) (PyTorch's default). */
export class Embedding extends Module {
  readonly weight: Tensor;
  constructor(readonly num: number, readonly dim: number, o: InitOptions & { std?: number } = {}) {
    super();
    this.weight = this.param('weight', normal([num, dim], o.std ?? 1, o));
  }
  forward(idx: Tensor): Tensor {
    return F.embedding(this.weight, idx);
  }
}

/** Dropout with probability p in training mode; identity in eval mode. */
export class Dropout extends Module {
  constructor(readonly p: number, readonly generator?: Generator) {
    super();
  }
  forward(x: Tensor): Tensor {
    return F.dropout(x, this.p, this.training, this.generator);
  }
}

/** Activation names understood by `MLP`. */
export type Activation = 'silu' | 'relu' | 'gelu' | 'tanh';

/** Applies an activation by name. */
export function activate(x: Tensor, act: Activation): Tensor {
  return act === 'silu' ? x.silu() : act === 'relu' ? x.relu() : act === 'gelu' ? x.gelu() : x.tanh();
}

/** Linear → act → … → Linear, widths [in, hidden…, out]. */
export class MLP extends Module {
  readonly layers: Linear[];
  constructor(readonly widths: number[], readonly act: Activation = 'silu', o: InitOptions = {}) {
    super();
    if (widths.length < 2) throw new Error(`MLP: needs at least [in, out] widths, got [${widths}]`);
    this.layers = widths.slice(1).map((w, i) => this.module(String(i), new Linear(widths[i]!, w, o)));
  }
  forward(x: Tensor): Tensor {
    let h = x;
    this.layers.forEach((l, i) => {
      h = l.forward(h);
      if (i < this.layers.length - 1) h = activate(h, this.act);
    });
    return h;
  }
}
