/**
 * The EDM U-Net (Karras et al. 2022, `DhariwalUNet`, i.e. ADM of Dhariwal & Nichol 2021) with
 * DisCo-Diff's latent conditioning (Xu et al. 2024, image architecture): a cross-attention layer
 * follows every self-attention layer, with image features as queries and the latent embeddings —
 * after a small Transformer — as keys and values. Group-hierarchical latents feed each group to
 * the cross-attention of one resolution of the up path only (lowest resolution first). With
 * `latents: null` this is the plain EDM U-Net: the same code, without the latent modules.
 */
import { F, cat, full, noGrad, type Tensor } from '../engine/index.js';
import { Module, ModuleList } from '../nn/module.js';
import { Conv2d, Embedding, GroupNorm, LayerNorm, Linear } from '../nn/layers.js';
import { TransformerBlock } from '../nn/transformer.js';
import type { UNetModelConfig } from '../config/schema.js';
import type { Backbone } from '../edm/precond.js';
import { LatentEmbedding } from '../disco/latent-embedding.js';
import type { Conditioning } from '../disco/conditioning.js';
import { codeCentres, gaussianSkip } from '../disco/gaussian-skip.js';
import { normal } from '../nn/init.js';
import { NoiseEmbedding } from './noise-embedding.js';

/**
 * The U-Net's constructor arguments: the `model` section of a 'unet' run (every hyperparameter,
 * as resolved and documented by src/config/schema.ts) and what the data decide.
 */
export interface UNetOptions extends Omit<UNetModelConfig, 'kind'> {
  resolution: number;                         // Image resolution (square, divisible by 2^(levels-1)).
  inChannels: number;                         // Image channels; the output has as many.
  numClasses: number;                         // Class labels, 0 = unconditional.
  latents: { m: number; k: number } | null;   // Discrete latents; null = the plain EDM U-Net.
  sigmaData: number;                          // σ_data of the initial centres and scales, and of the centre image.
}

/** EDM's GroupNorm: 32 groups, at least 4 channels per group. */
const groupNorm = (c: number): GroupNorm => new GroupNorm(Math.min(32, Math.floor(c / 4)), c, 1e-5);

/** Zero weights and bias (EDM's `init_zero`): residual branches start as the identity. */
function zeroInit<M extends Conv2d | Linear>(m: M): M {
  noGrad(() => {
    m.weight.zero_();
    m.bias?.zero_();
  });
  return m;
}

/**
 * Multi-head attention over the pixels of x [B, C, H, W], pre-GroupNorm, residual, zero-init
 * output: self-attention, or (with `contextDim`) cross-attention to a context [B, S, contextDim].
 */
export class Attention2d extends Module {
  readonly norm: GroupNorm;
  readonly qkv: Conv2d | null = null;
  readonly q: Conv2d | null = null;
  readonly kv: Linear | null = null;
  readonly proj: Conv2d;

  constructor(readonly channels: number, readonly heads: number, readonly contextDim: number | null = null) {
    super();
    if (channels % heads) throw new Error(`Attention2d: ${channels} channels do not split into ${heads} heads`);
    this.norm = this.module('norm', groupNorm(channels));
    if (contextDim === null) this.qkv = this.module('qkv', new Conv2d(channels, 3 * channels, 1));
    else {
      this.q = this.module('q', new Conv2d(channels, channels, 1));
      this.kv = this.module('kv', new Linear(contextDim, 2 * channels));
    }
    this.proj = this.module('proj', zeroInit(new Conv2d(channels, channels, 1)));
  }

  forward(x: Tensor, context?: Tensor): Tensor {
    const [B, C, H, W] = x.shape as [number, number, number, number];
    const h = this.heads, hs = C / h, T = H * W;
    const xn = this.norm.forward(x);
    let q: Tensor, k: Tensor, v: Tensor;
    if (this.qkv) {
      const qkv = this.qkv.forward(xn).reshape(B, 3, h, hs, T); // (B, 3, h, hs, T)
      [q, k, v] = [0, 1, 2].map((i) => qkv.select(1, i).transpose(-1, -2)) as [Tensor, Tensor, Tensor]; // (B, h, T, hs)
    } else {
      if (!context) throw new Error('Attention2d: cross-attention needs a context');
      const S = context.size(1);
      q = this.q!.forward(xn).reshape(B, h, hs, T).transpose(-1, -2); // (B, h, T, hs)
      const kv = this.kv!.forward(context).reshape(B, S, 2, h, hs).permute(2, 0, 3, 1, 4); // (2, B, h, S, hs)
      [k, v] = [kv.select(0, 0), kv.select(0, 1)];
    }
    const a = F.scaledDotProductAttention(q, k, v); // (B, h, T, hs)
    return x.add(this.proj.forward(a.transpose(-1, -2).reshape(B, C, H, W)));
  }
}

/** A residual block's resampling, attention and dropout. */
export interface UNetBlockOptions {
  up?: boolean;                     // Nearest-neighbour 2× upsampling before conv0.
  down?: boolean;                   // 2×2 average pooling before conv0.
  attention?: boolean;              // Self-attention after the residual branch.
  crossDim?: number | null;         // Context width for cross-attention after the self-attention (null = none).
  heads?: number;                   // Attention heads, unless channelsPerHead is set.
  channelsPerHead?: number | null;  // EDM's rule: outChannels // channelsPerHead heads; 0 heads = no self-attention.
  dropout?: number;
}

/**
 * EDM's residual block: GroupNorm → SiLU → (resample) → conv3×3, then the noise embedding as an
 * adaptive scale and shift, GroupNorm → SiLU → dropout → conv3×3 (zero-init), plus a skip (1×1
 * conv when the channel count changes); optionally self-attention and cross-attention.
 */
export class UNetBlock extends Module {
  readonly norm0: GroupNorm;
  readonly conv0: Conv2d;
  readonly affine: Linear;
  readonly norm1: GroupNorm;
  readonly conv1: Conv2d;
  readonly skip: Conv2d | null = null;
  readonly attn: Attention2d | null = null;
  readonly cross: Attention2d | null = null;
  readonly up: boolean;
  readonly down: boolean;
  readonly dropout: number;
  /** Which latents (a [start, end) slice of the context) the cross-attention sees. */
  contextSlice: [number, number] | null = null;

  constructor(readonly inChannels: number, readonly outChannels: number, embChannels: number, o: UNetBlockOptions = {}) {
    super();
    this.up = o.up ?? false;
    this.down = o.down ?? false;
    this.dropout = o.dropout ?? 0;
    const heads = o.channelsPerHead ? Math.floor(outChannels / o.channelsPerHead) : o.heads ?? 1;
    if (o.crossDim && o.attention && heads === 0) {
      throw new Error(`UNetBlock: ${outChannels} channels make no head of ${o.channelsPerHead} channels for the cross-attention`);
    }
    this.norm0 = this.module('norm0', groupNorm(inChannels));
    this.conv0 = this.module('conv0', new Conv2d(inChannels, outChannels, 3));
    this.affine = this.module('affine', new Linear(embChannels, 2 * outChannels));
    this.norm1 = this.module('norm1', groupNorm(outChannels));
    this.conv1 = this.module('conv1', zeroInit(new Conv2d(outChannels, outChannels, 3)));
    if (inChannels !== outChannels) this.skip = this.module('skip', new Conv2d(inChannels, outChannels, 1));
    if (o.attention && heads > 0) this.attn = this.module('attn', new Attention2d(outChannels, heads));
    if (o.attention && o.crossDim) this.cross = this.module('cross', new Attention2d(outChannels, heads, o.crossDim));
  }

  private resample(x: Tensor): Tensor {
    return this.up ? F.interpolate(x, { scale: 2, mode: 'nearest' }) : this.down ? F.avgPool2d(x, 2) : x;
  }

  /** x [B, in, H, W], emb [B, E], context [B, m, D] (the whole context; the block takes its slice). */
  forward(x: Tensor, emb: Tensor, context?: Tensor | null): Tensor {
    let h = this.conv0.forward(this.resample(this.norm0.forward(x).silu()));
    const [scale, shift] = this.affine.forward(emb).unsqueeze(2).unsqueeze(3).chunk(2, 1) as [Tensor, Tensor]; // (B, out, 1, 1)
    h = shift.add(this.norm1.forward(h).mul(scale.add(1))).silu();
    h = this.conv1.forward(F.dropout(h, this.dropout, this.training));
    const x_skip = this.resample(x);
    h = h.add(this.skip ? this.skip.forward(x_skip) : x_skip);
    if (this.attn) h = this.attn.forward(h);
    if (this.cross) {
      if (!context) throw new Error('UNetBlock: this block cross-attends to latents but got no context');
      const [s, e] = this.contextSlice ?? [0, context.size(1)];
      h = this.cross.forward(h, s === 0 && e === context.size(1) ? context : context.slice(1, s, e));
    }
    return h;
  }
}

/**
 * The latent pathway: m (relaxed) one-hot codes → per-position embeddings (learned null when
 * dropped) → a small non-causal Transformer → LayerNorm → context [B, m, dim]. With groups, the
 * Transformer runs within each group, so no group sees another.
 */
export class LatentContext extends Module {
  readonly embed: LatentEmbedding;
  readonly blocks: ModuleList<TransformerBlock>;
  readonly ln: LayerNorm;

  constructor(readonly m: number, readonly k: number, readonly dim: number, layers: number, heads: number,
    readonly groups: number[] = []) {
    super();
    this.embed = this.module('embed', new LatentEmbedding(m, k, dim));
    this.blocks = this.module('blocks', new ModuleList(Array.from({ length: layers }, () => new TransformerBlock(dim, heads))));
    this.ln = this.module('ln', new LayerNorm(dim));
  }

  forward(cond: Conditioning, batch: number): Tensor {
    const e = this.embed.forward(cond, batch); // (B, m, dim)
    const parts = this.groups.length > 1 ? e.split(this.groups, 1) : [e];
    const out = parts.map((p) => this.ln.forward(this.blocks.items.reduce((h, b) => b.forward(h), p)));
    return out.length === 1 ? out[0]! : cat(out, 1);
  }
}

/** Named submodules in order (EDM's `enc`/`dec` dicts; keys like `16x16_block0`). */
class Blocks extends Module {
  readonly items: [string, Module][] = [];
  add<M extends Module>(name: string, m: M): M {
    this.items.push([name, this.module(name, m)]);
    return m;
  }
}

/**
 * F_θ(x, c_noise, cond) of EDM's preconditioning: encoder blocks per resolution (`{res}x{res}_conv`,
 * `_down`, `_block{i}`), decoder blocks (`_in0`, `_in1`, `_up`, `_block{i}`) that concatenate the
 * encoder's skips, and a GroupNorm → SiLU → zero-init conv3×3 output. `options` holds the
 * constructor arguments, so a checkpoint can rebuild the network.
 */
export class UNet extends Module implements Backbone<Conditioning> {
  readonly map_noise: NoiseEmbedding;
  readonly map_label: Embedding | null = null;
  /** Per-code Gaussian means [m, k, C·H·W] and log-stds [m, k] of the analytic skip, or null. */
  readonly means: Tensor | null = null;
  readonly logStds: Tensor | null = null;
  readonly latent: LatentContext | null = null;
  readonly enc: Blocks;
  readonly dec: Blocks;
  readonly out_norm: GroupNorm;
  readonly out_conv: Conv2d;
  /** With `centreInput`: conv3×3 of the codes' centre image, added to the first conv's output; zero-init. */
  readonly centre_conv: Conv2d | null = null;

  constructor(readonly options: UNetOptions) {
    super();
    const { resolution: res0, inChannels, numClasses, latents, channels, channelMult, channelMultEmb, numBlocks,
      attnResolutions, heads, channelsPerHead, dropout, noiseFrequencies, latentDim, latentLayers, latentGroups,
      analyticGaussian, sigmaData, centreInput } = options;
    const levels = channelMult.length;
    if (res0 % 2 ** (levels - 1)) throw new Error(`UNet: resolution ${res0} is not divisible by 2^${levels - 1}`);
    const emb = channels * channelMultEmb;
    const block = { heads, channelsPerHead, dropout };

    // Mapping: noise level (+ class label) → embedding; latents → context.
    this.map_noise = this.module('map_noise', new NoiseEmbedding(emb, channels, noiseFrequencies));
    if (numClasses > 0) this.map_label = this.module('map_label', new Embedding(numClasses, emb));
    const grouped = latents !== null && latentGroups.length > 0;
    const groupAt = new Map<number, [number, number]>(); // up-path resolution → slice of the latents
    if (latents) {
      if (grouped) {
        const sum = latentGroups.reduce((a, b) => a + b, 0);
        if (sum !== latents.m) throw new Error(`UNet: latentGroups [${latentGroups}] sum to ${sum}, but m = ${latents.m}`);
        if (latentGroups.length > levels) {
          throw new Error(`UNet: ${latentGroups.length} latent groups but only ${levels} resolutions in the up path`);
        }
        let s = 0;
        latentGroups.forEach((g, i) => groupAt.set(res0 >> (levels - 1 - i), [s, (s += g)]));
      }
      this.latent = this.module('latent', new LatentContext(latents.m, latents.k, latentDim, latentLayers, heads,
        grouped ? latentGroups : []));
      if (analyticGaussian) {
        this.means = this.param('means', normal([latents.m, latents.k, inChannels * res0 * res0], sigmaData));
        this.logStds = this.param('log_stds', full([latents.m, latents.k], Math.log(sigmaData / 2)));
      }
    }
    if (centreInput && !this.means) throw new Error('UNet: centreInput needs analyticGaussian and latents');
    const crossDim = latents ? latentDim : null;

    // Encoder.
    this.enc = this.module('enc', new Blocks());
    let cout = inChannels;
    channelMult.forEach((mult, level) => {
      const res = res0 >> level;
      if (level === 0) {
        const cin = cout;
        cout = channels * mult;
        this.enc.add(`${res}x${res}_conv`, new Conv2d(cin, cout, 3));
      } else this.enc.add(`${res}x${res}_down`, new UNetBlock(cout, cout, emb, { ...block, down: true }));
      for (let idx = 0; idx < numBlocks; idx++) {
        const cin = cout;
        cout = channels * mult;
        const attention = attnResolutions.includes(res);
        this.enc.add(`${res}x${res}_block${idx}`, new UNetBlock(cin, cout, emb,
          { ...block, attention, crossDim: grouped ? null : crossDim }));
      }
    });
    const skips = this.enc.items.map(([, m]) => (m instanceof UNetBlock ? m.outChannels : (m as Conv2d).outChannels));

    // Decoder.
    this.dec = this.module('dec', new Blocks());
    const crossAt = (res: number): { crossDim: number | null; slice: [number, number] | null } =>
      grouped ? { crossDim: groupAt.has(res) ? crossDim : null, slice: groupAt.get(res) ?? null } : { crossDim, slice: null };
    [...channelMult.entries()].reverse().forEach(([level, mult]) => {
      const res = res0 >> level;
      const { crossDim: cd, slice } = crossAt(res);
      const withSlice = (b: UNetBlock): UNetBlock => ((b.contextSlice = b.cross ? slice : null), b);
      if (level === levels - 1) {
        this.dec.add(`${res}x${res}_in0`, withSlice(new UNetBlock(cout, cout, emb, { ...block, attention: true, crossDim: cd })));
        this.dec.add(`${res}x${res}_in1`, new UNetBlock(cout, cout, emb, block));
      } else this.dec.add(`${res}x${res}_up`, new UNetBlock(cout, cout, emb, { ...block, up: true }));
      for (let idx = 0; idx <= numBlocks; idx++) {
        const cin = cout + skips.pop()!;
        cout = channels * mult;
        const attention = attnResolutions.includes(res) || (grouped && groupAt.has(res));
        this.dec.add(`${res}x${res}_block${idx}`, withSlice(new UNetBlock(cin, cout, emb, { ...block, attention, crossDim: cd })));
      }
    });
    this.out_norm = this.module('out_norm', groupNorm(cout));
    this.out_conv = this.module('out_conv', zeroInit(new Conv2d(cout, inChannels, 3)));
    // Built last and zero-initialised, so the network starts as (and draws the same initial weights as) one without it.
    if (centreInput) this.centre_conv = this.module('centre_conv', zeroInit(new Conv2d(inChannels, channels * channelMult[0]!, 3)));
  }

  /** The analytic skip (per-code Gaussian denoisers weighted by z); c_skip·x without it. */
  gaussianSkip(x: Tensor, sigma: Tensor, cSkip: Tensor, cond: Conditioning = {}): Tensor {
    return gaussianSkip(x, sigma, cSkip, cond.latents, this, cond.dropLatents);
  }

  /** The first conv of x, plus (with `centreInput`) the conv of the codes' centre image / σ_data. */
  private firstConv(conv: Conv2d, x: Tensor, cond: Conditioning): Tensor {
    const h = conv.forward(x);
    if (!this.centre_conv) return h;
    const centre = codeCentres(cond.latents, this.means!, x.size(0), cond.dropLatents).reshape(...x.shape);
    return h.add(this.centre_conv.forward(centre.div(this.options.sigmaData)));
  }

  /** x [B, C, H, W] (c_in-scaled), cNoise [B] → F [B, C, H, W]. */
  forward(x: Tensor, cNoise: Tensor, cond: Conditioning = {}): Tensor {
    const B = x.size(0);
    let emb = this.map_noise.forward(cNoise); // (B, E)
    if (this.map_label) {
      if (!cond.labels) throw new Error('UNet: this network is class-conditional (numClasses > 0) but got no labels');
      emb = emb.add(this.map_label.forward(cond.labels));
    }
    emb = emb.silu();
    const context = this.latent ? this.latent.forward(cond, B) : null; // (B, m, latentDim)
    const skips: Tensor[] = [];
    let h = x;
    for (const [, b] of this.enc.items) {
      h = b instanceof UNetBlock ? b.forward(h, emb, context) : this.firstConv(b as Conv2d, h, cond);
      skips.push(h);
    }
    for (const [, b] of this.dec.items as [string, UNetBlock][]) {
      if (h.size(1) !== b.inChannels) h = cat([h, skips.pop()!], 1);
      h = b.forward(h, emb, context);
    }
    return this.out_conv.forward(this.out_norm.forward(h).silu());
  }
}
