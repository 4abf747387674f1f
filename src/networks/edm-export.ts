/**
 * A plain U-Net in the layout of NVlabs EDM's `DhariwalUNet` (training/networks.py), so that
 * `DhariwalUNet(**kwargs).load_state_dict(sd, strict=True)` accepts it and, inside `EDMPrecond`,
 * computes our D(x, σ):
 *   - names: `map_noise.fc1/fc2` → `map_layer0/1`; a block's `attn.norm/qkv/proj` → `norm2/qkv/proj`;
 *   - qkv rows: ours are q, k, v blocks (row j·C + c); EDM interleaves them per channel (row c·3 + j);
 *   - the class map: our embedding table [classes, E] is EDM's bias-free Linear on one-hot labels, [E, classes];
 *   - resampling blocks hold EDM's 2×2 box filter as the buffer `resample_filter` of conv0 and skip.
 * Only networks EDM computes the same way qualify: no latents, EDM's noise-embedding frequencies
 * and EDM's head count (channels // 64).
 */
import { full, type Tensor } from '../engine/index.js';
import { UNet, UNetBlock } from './unet.js';

/** EDM's channels per attention head (`channels_per_head` of `DhariwalUNet`). */
const EDM_CHANNELS_PER_HEAD = 64;

/** Throws, naming the config key, unless EDM's `DhariwalUNet` computes what `net` computes. */
export function assertEDMCompatible(net: UNet): void {
  const o = net.options;
  const why = o.latents ? 'it has latents (a DisCo-Diff network); export a plain EDM run (latents.enabled: false)'
    : o.noiseFrequencies !== 'edm' ? `its noise embedding uses frequencies '${o.noiseFrequencies}' (EDM's are model.noiseFrequencies: 'edm')`
      : o.channelsPerHead !== EDM_CHANNELS_PER_HEAD ? `its attention heads are not EDM's channels // 64 (set model.channelsPerHead: 64)`
        : null;
  if (why) throw new Error(`this U-Net has no exact EDM counterpart: ${why}`);
}

/** `DhariwalUNet`'s constructor arguments for `net` (EDM's names). */
export function edmKwargs(net: UNet): Record<string, unknown> {
  const o = net.options;
  return {
    img_resolution: o.resolution, in_channels: o.inChannels, out_channels: o.inChannels, label_dim: o.numClasses,
    augment_dim: 0, model_channels: o.channels, channel_mult: o.channelMult, channel_mult_emb: o.channelMultEmb,
    num_blocks: o.numBlocks, attn_resolutions: o.attnResolutions, dropout: o.dropout,
  };
}

/** EDM's parameter name for one of ours. */
function edmName(name: string): string {
  return name.replace(/^map_noise\.fc1\./, 'map_layer0.').replace(/^map_noise\.fc2\./, 'map_layer1.')
    .replace(/\.attn\.norm\./, '.norm2.').replace(/\.attn\.(qkv|proj)\./, '.$1.');
}

/** q, k, v row blocks [3·C, …] → rows interleaved per channel, row c·3 + j. */
function interleaveQKV(t: Tensor): Tensor {
  const C = t.size(0) / 3;
  return t.reshape(3, C, ...t.shape.slice(1)).transpose(0, 1).reshape(...t.shape);
}

/**
 * `DhariwalUNet`'s state dict for `net` (see above). Call it inside `tidy`: entries whose layout
 * agrees are the network's own tensors, the others are new.
 */
export function edmStateDict(net: UNet): Map<string, Tensor> {
  assertEDMCompatible(net);
  const sd = new Map<string, Tensor>();
  for (const [name, t] of net.stateDict()) {
    const value = /\.attn\.qkv\./.test(name) ? interleaveQKV(t) : name === 'map_label.weight' ? t.transpose(0, 1).contiguous() : t;
    sd.set(edmName(name), value);
  }
  for (const [group, blocks] of [['enc', net.enc.items], ['dec', net.dec.items]] as const) {
    for (const [name, b] of blocks) {
      if (!(b instanceof UNetBlock) || !(b.up || b.down)) continue;
      for (const conv of ['conv0', 'skip']) sd.set(`${group}.${name}.${conv}.resample_filter`, full([1, 1, 2, 2], 0.25));
    }
  }
  return sd;
}
