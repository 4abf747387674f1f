"""A PyTorch reference of the layout of NVlabs EDM's `DhariwalUNet` inside `EDMPrecond`
(training/networks.py of github.com/NVlabs/edm): the same module names, parameter shapes, buffers
and forward pass (eval mode, no augmentation labels), written for the interop test of
`disco-diff export --format edm`. A strict `load_state_dict` here is what EDM's class demands.

Usage: edm_unet.py WEIGHTS IO [WEIGHTS IO …]. WEIGHTS is an exported file (its metadata holds the
`DhariwalUNet` arguments and σ_data); IO holds x, sigma, optional labels and our output `out`.
Prints a JSON list, per pair: the parameter count, max |D − out| and max |out|.
"""
import json

import torch
from torch.nn import functional as F

from common import agreement, load, main


def group_norm(channels):
    return torch.nn.GroupNorm(min(32, channels // 4), channels, eps=1e-5)


class Conv(torch.nn.Module):
    """A k×k convolution after an optional 2× resampling by the 2×2 box filter; kernel 0 = resampling only."""

    def __init__(self, cin, cout, kernel, resample=None):
        super().__init__()
        self.resample = resample
        self.weight = torch.nn.Parameter(torch.zeros(cout, cin, kernel, kernel)) if kernel else None
        self.bias = torch.nn.Parameter(torch.zeros(cout)) if kernel else None
        self.register_buffer('resample_filter', torch.full([1, 1, 2, 2], 0.25) if resample else None)

    def forward(self, x):
        c = x.shape[1]
        if self.resample == 'up':
            x = F.conv_transpose2d(x, self.resample_filter.mul(4).tile([c, 1, 1, 1]), groups=c, stride=2)
        elif self.resample == 'down':
            x = F.conv2d(x, self.resample_filter.tile([c, 1, 1, 1]), groups=c, stride=2)
        if self.weight is not None:
            x = F.conv2d(x, self.weight, self.bias, padding=self.weight.shape[-1] // 2)
        return x


class Block(torch.nn.Module):
    """Residual block with adaptive scale/shift, then (with ≥ 1 head of 64 channels) self-attention."""

    def __init__(self, cin, cout, emb, resample=None, attention=False):
        super().__init__()
        self.norm0, self.conv0 = group_norm(cin), Conv(cin, cout, 3, resample)
        self.affine = torch.nn.Linear(emb, 2 * cout)
        self.norm1, self.conv1 = group_norm(cout), Conv(cout, cout, 3)
        self.skip = Conv(cin, cout, 1 if cin != cout else 0, resample) if cin != cout or resample else None
        self.in_channels = cin
        self.heads = cout // 64 if attention else 0
        if self.heads:
            self.norm2, self.qkv, self.proj = group_norm(cout), Conv(cout, 3 * cout, 1), Conv(cout, cout, 1)

    def forward(self, x, emb):
        h = self.conv0(F.silu(self.norm0(x)))
        scale, shift = self.affine(emb)[:, :, None, None].chunk(2, dim=1)
        h = self.conv1(F.silu(shift + self.norm1(h) * (scale + 1)))
        h = h + (self.skip(x) if self.skip is not None else x)
        if self.heads:
            b, c, hh, ww = h.shape
            # qkv channel c·3 + j holds part j (q, k, v) of channel c; heads split the channels.
            q, k, v = self.qkv(self.norm2(h)).reshape(b * self.heads, c // self.heads, 3, hh * ww).unbind(2)
            w = torch.einsum('ncq,nck->nqk', q, k / (c // self.heads) ** 0.5).softmax(dim=2)
            h = h + self.proj(torch.einsum('nqk,nck->ncq', w, v).reshape(b, c, hh, ww))
        return h


class DhariwalLayout(torch.nn.Module):
    def __init__(self, img_resolution, in_channels, out_channels, label_dim=0, augment_dim=0, model_channels=192,
                 channel_mult=(1, 2, 3, 4), channel_mult_emb=4, num_blocks=3, attn_resolutions=(32, 16, 8), dropout=0.1):
        super().__init__()
        assert augment_dim == 0
        emb = model_channels * channel_mult_emb
        self.model_channels = model_channels
        self.map_layer0 = torch.nn.Linear(model_channels, emb)
        self.map_layer1 = torch.nn.Linear(emb, emb)
        self.map_label = torch.nn.Linear(label_dim, emb, bias=False) if label_dim else None
        self.enc, self.dec = torch.nn.ModuleDict(), torch.nn.ModuleDict()
        widths, c = [], in_channels
        for level, mult in enumerate(channel_mult):
            res = img_resolution >> level
            if level == 0:
                self.enc[f'{res}x{res}_conv'] = Conv(c, model_channels * mult, 3)
                c = model_channels * mult
            else:
                self.enc[f'{res}x{res}_down'] = Block(c, c, emb, resample='down')
            widths.append(c)
            for i in range(num_blocks):
                self.enc[f'{res}x{res}_block{i}'] = Block(c, model_channels * mult, emb, attention=res in attn_resolutions)
                c = model_channels * mult
                widths.append(c)
        for level, mult in reversed(list(enumerate(channel_mult))):
            res = img_resolution >> level
            if level == len(channel_mult) - 1:
                self.dec[f'{res}x{res}_in0'] = Block(c, c, emb, attention=True)
                self.dec[f'{res}x{res}_in1'] = Block(c, c, emb)
            else:
                self.dec[f'{res}x{res}_up'] = Block(c, c, emb, resample='up')
            for i in range(num_blocks + 1):
                self.dec[f'{res}x{res}_block{i}'] = Block(c + widths.pop(), model_channels * mult, emb,
                                                          attention=res in attn_resolutions)
                c = model_channels * mult
        self.out_norm, self.out_conv = group_norm(c), Conv(c, out_channels, 3)

    def forward(self, x, c_noise, labels):
        half = self.model_channels // 2
        freqs = (1 / 10000) ** (torch.arange(half, dtype=torch.float32) / half)
        arg = c_noise[:, None] * freqs[None, :]
        emb = self.map_layer1(F.silu(self.map_layer0(torch.cat([arg.cos(), arg.sin()], dim=1))))
        if self.map_label is not None:
            emb = emb + self.map_label(labels)
        emb = F.silu(emb)
        skips = []
        for block in self.enc.values():
            x = block(x, emb) if isinstance(block, Block) else block(x)
            skips.append(x)
        for block in self.dec.values():
            if x.shape[1] != block.in_channels:
                x = torch.cat([x, skips.pop()], dim=1)
            x = block(x, emb)
        return self.out_conv(F.silu(self.out_norm(x)))


def precond(net, x, sigma, labels, sigma_data):
    """EDMPrecond (Karras et al. 2022, Table 1)."""
    s = sigma.reshape(-1, 1, 1, 1)
    c_skip = sigma_data ** 2 / (s ** 2 + sigma_data ** 2)
    c_out = s * sigma_data / (s ** 2 + sigma_data ** 2).sqrt()
    c_in = 1 / (sigma_data ** 2 + s ** 2).sqrt()
    return c_skip * x + c_out * net(c_in * x, sigma.log() / 4, labels)


def check(weights, io):
    sd, meta = load(weights)
    kwargs = json.loads(meta['edm_kwargs'])
    net = DhariwalLayout(**kwargs).eval()
    net.load_state_dict(sd, strict=True)
    t, _ = load(io)
    labels = F.one_hot(t['labels'], kwargs['label_dim']).float() if 'labels' in t else None
    with torch.no_grad():
        d = precond(net, t['x'], t['sigma'], labels, float(meta['sigma_data']))
    return agreement(d, t['out'], sum(p.numel() for p in net.parameters()))


if __name__ == '__main__':
    main(check)
