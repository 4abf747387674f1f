"""PyTorch reference for bench/images-unet.ts: the same U-Net (src/networks/unet.ts), the same training
step (EDM preconditioning + loss, backward, Adam), timed the same way.

Run by bench/images-unet.ts with /usr/bin/python3 (Debian's python3-torch: the libtorch 1.13 that
the addon links). Module names match the TypeScript ones, so the state-dict keys are identical:
`--check` loads a safetensors file written by the TypeScript side (weights, input, output) and
prints the largest difference of the forward pass, which proves the architectures are the same.

    python3 bench/images_unet_ref.py --config '{...}' --threads 1 --warmup 2 --steps 5
    python3 bench/images_unet_ref.py --config '{...}' --check weights.safetensors
"""
import argparse
import json
import math
import resource
import statistics
import struct
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


from engine_ref import set_threads  # noqa: E402  (same folder: ATen + OpenBLAS thread settings)


def group_norm(c):
    return nn.GroupNorm(min(32, c // 4), c, eps=1e-5)


def sdpa(q, k, v):
    return (q @ k.transpose(-2, -1) * (1 / math.sqrt(q.shape[-1]))).softmax(-1) @ v


class NoiseEmbedding(nn.Module):
    def __init__(self, dim, features):
        super().__init__()
        self.features = features
        self.fc1, self.fc2 = nn.Linear(features, dim), nn.Linear(dim, dim)

    def forward(self, c):
        # Geometric frequencies 1 … 16: noiseFrequencies 'low' in src/networks/noise-embedding.ts.
        freqs = torch.linspace(0, math.log(16), self.features // 2).exp()
        arg = c[:, None] * freqs[None]
        return self.fc2(F.silu(self.fc1(torch.cat([arg.cos(), arg.sin()], 1))))


class MultiheadAttention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.dim, self.heads = dim, heads
        self.q, self.k, self.v, self.o = (nn.Linear(dim, dim) for _ in range(4))

    def forward(self, x):
        B, T, _ = x.shape
        h, hs = self.heads, self.dim // self.heads
        q, k, v = (lin(x).view(B, T, h, hs).transpose(1, 2) for lin in (self.q, self.k, self.v))
        return self.o(sdpa(q, k, v).transpose(1, 2).reshape(B, T, self.dim))


class TransformerBlock(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.ln1, self.attn, self.ln2 = nn.LayerNorm(dim), MultiheadAttention(dim, heads), nn.LayerNorm(dim)
        self.fc, self.proj = nn.Linear(dim, 4 * dim), nn.Linear(4 * dim, dim)

    def forward(self, x):
        h = x + self.attn(self.ln1(x))
        return h + self.proj(F.gelu(self.fc(self.ln2(h))))


class LatentEmbedding(nn.Module):
    def __init__(self, m, k, dim):
        super().__init__()
        self.table = nn.Parameter(torch.randn(m, k, dim))
        self.null = nn.Parameter(torch.randn(m, dim))

    def forward(self, z, drop, batch):
        nul = self.null[None].expand(batch, *self.null.shape)
        if z is None:
            return nul
        emb = torch.bmm(z.transpose(0, 1), self.table).transpose(0, 1)
        return emb if drop is None else torch.where(drop.view(-1, 1, 1), nul, emb)


class LatentContext(nn.Module):
    def __init__(self, m, k, dim, layers, heads, groups):
        super().__init__()
        self.groups = groups
        self.embed = LatentEmbedding(m, k, dim)
        self.blocks = nn.ModuleList([TransformerBlock(dim, heads) for _ in range(layers)])
        self.ln = nn.LayerNorm(dim)

    def forward(self, z, drop, batch):
        e = self.embed(z, drop, batch)
        parts = e.split(self.groups, 1) if len(self.groups) > 1 else [e]
        out = []
        for p in parts:
            for b in self.blocks:
                p = b(p)
            out.append(self.ln(p))
        return out[0] if len(out) == 1 else torch.cat(out, 1)


class Attention2d(nn.Module):
    def __init__(self, channels, heads, context_dim=None):
        super().__init__()
        self.heads = heads
        self.norm = group_norm(channels)
        if context_dim is None:
            self.qkv = nn.Conv2d(channels, 3 * channels, 1)
        else:
            self.q = nn.Conv2d(channels, channels, 1)
            self.kv = nn.Linear(context_dim, 2 * channels)
        self.proj = nn.Conv2d(channels, channels, 1)
        self.cross = context_dim is not None

    def forward(self, x, context=None):
        B, C, H, W = x.shape
        h, hs, T = self.heads, C // self.heads, H * W
        xn = self.norm(x)
        if not self.cross:
            qkv = self.qkv(xn).reshape(B, 3, h, hs, T)
            q, k, v = (qkv[:, i].transpose(-1, -2) for i in range(3))
        else:
            S = context.shape[1]
            q = self.q(xn).reshape(B, h, hs, T).transpose(-1, -2)
            kv = self.kv(context).reshape(B, S, 2, h, hs).permute(2, 0, 3, 1, 4)
            k, v = kv[0], kv[1]
        return x + self.proj(sdpa(q, k, v).transpose(-1, -2).reshape(B, C, H, W))


class UNetBlock(nn.Module):
    def __init__(self, cin, cout, emb, up=False, down=False, attention=False, cross_dim=None, heads=1, dropout=0.0):
        super().__init__()
        self.in_channels, self.out_channels = cin, cout
        self.up, self.down, self.dropout = up, down, dropout
        self.context_slice = None
        self.norm0, self.conv0 = group_norm(cin), nn.Conv2d(cin, cout, 3, padding=1)
        self.affine = nn.Linear(emb, 2 * cout)
        self.norm1, self.conv1 = group_norm(cout), nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else None
        self.attn = Attention2d(cout, heads) if attention else None
        self.cross = Attention2d(cout, heads, cross_dim) if attention and cross_dim else None

    def resample(self, x):
        return F.interpolate(x, scale_factor=2, mode='nearest') if self.up else F.avg_pool2d(x, 2) if self.down else x

    def forward(self, x, emb, context):
        h = self.conv0(self.resample(F.silu(self.norm0(x))))
        scale, shift = self.affine(emb)[:, :, None, None].chunk(2, 1)
        h = F.silu(shift + self.norm1(h) * (scale + 1))
        h = self.conv1(F.dropout(h, self.dropout, self.training))
        xs = self.resample(x)
        h = h + (self.skip(xs) if self.skip is not None else xs)
        if self.attn is not None:
            h = self.attn(h)
        if self.cross is not None:
            s, e = self.context_slice or (0, context.shape[1])
            h = self.cross(h, context if (s, e) == (0, context.shape[1]) else context[:, s:e])
        return h


class UNet(nn.Module):
    def __init__(self, resolution, inChannels, numClasses=0, latents=None, channels=64, channelMult=(1, 2, 2),
                 channelMultEmb=4, numBlocks=2, attnResolutions=(16,), dropout=0.1, heads=4, latentDim=128,
                 latentLayers=2, latentGroups=()):
        super().__init__()
        levels, emb = len(channelMult), channels * channelMultEmb
        blk = dict(heads=heads, dropout=dropout)
        self.map_noise = NoiseEmbedding(emb, channels)
        self.map_label = nn.Embedding(numClasses, emb) if numClasses > 0 else None
        grouped = latents is not None and len(latentGroups) > 0
        group_at = {}
        if grouped:
            s = 0
            for i, g in enumerate(latentGroups):
                group_at[resolution >> (levels - 1 - i)] = (s, s + g)
                s += g
        self.latent = LatentContext(latents['m'], latents['k'], latentDim, latentLayers, heads,
                                    list(latentGroups) if grouped else []) if latents else None
        cross_dim = latentDim if latents else None
        self.enc = nn.ModuleDict()
        cout = inChannels
        for level, mult in enumerate(channelMult):
            res = resolution >> level
            if level == 0:
                cin, cout = cout, channels * mult
                self.enc[f'{res}x{res}_conv'] = nn.Conv2d(cin, cout, 3, padding=1)
            else:
                self.enc[f'{res}x{res}_down'] = UNetBlock(cout, cout, emb, down=True, **blk)
            for idx in range(numBlocks):
                cin, cout = cout, channels * mult
                self.enc[f'{res}x{res}_block{idx}'] = UNetBlock(cin, cout, emb, attention=res in attnResolutions,
                                                                cross_dim=None if grouped else cross_dim, **blk)
        skips = [b.out_channels for b in self.enc.values()]
        self.dec = nn.ModuleDict()
        for level, mult in reversed(list(enumerate(channelMult))):
            res = resolution >> level
            cd, sl = ((cross_dim if res in group_at else None), group_at.get(res)) if grouped else (cross_dim, None)

            def with_slice(b):
                b.context_slice = sl if b.cross is not None else None
                return b
            if level == levels - 1:
                self.dec[f'{res}x{res}_in0'] = with_slice(UNetBlock(cout, cout, emb, attention=True, cross_dim=cd, **blk))
                self.dec[f'{res}x{res}_in1'] = UNetBlock(cout, cout, emb, **blk)
            else:
                self.dec[f'{res}x{res}_up'] = UNetBlock(cout, cout, emb, up=True, **blk)
            for idx in range(numBlocks + 1):
                cin, cout = cout + skips.pop(), channels * mult
                attention = res in attnResolutions or (grouped and res in group_at)
                self.dec[f'{res}x{res}_block{idx}'] = with_slice(UNetBlock(cin, cout, emb, attention=attention,
                                                                           cross_dim=cd, **blk))
        self.out_norm, self.out_conv = group_norm(cout), nn.Conv2d(cout, inChannels, 3, padding=1)

    def forward(self, x, c_noise, z=None, drop=None, labels=None):
        emb = self.map_noise(c_noise)
        if self.map_label is not None:
            emb = emb + self.map_label(labels)
        emb = F.silu(emb)
        context = self.latent(z, drop, x.shape[0]) if self.latent is not None else None
        skips, h = [], x
        for b in self.enc.values():
            h = b(h, emb, context) if isinstance(b, UNetBlock) else b(h)
            skips.append(h)
        for b in self.dec.values():
            if h.shape[1] != b.in_channels:
                h = torch.cat([h, skips.pop()], 1)
            h = b(h, emb, context)
        return self.out_conv(F.silu(self.out_norm(h)))


def precond(net, x, sigma, z, drop, sd=0.5):
    """EDM preconditioning (src/edm/precond.ts)."""
    s = sigma.reshape(-1, 1, 1, 1)
    s2 = s.square() + sd * sd
    c_skip, c_out, c_in, c_noise = sd * sd / s2, s * sd / s2.sqrt(), s2.rsqrt(), sigma.log() / 4
    return c_skip * x + c_out * net(x * c_in, c_noise, z, drop)


def edm_loss(net, y, z, drop, sd=0.5, p_mean=-1.2, p_std=1.2):
    """EDM loss (src/edm/loss.ts): λ(σ)·‖D(y + n, σ) − y‖², ln σ ~ N(P_mean, P_std²)."""
    sigma = (torch.randn(y.shape[0]) * p_std + p_mean).exp()
    s = sigma.reshape(-1, 1, 1, 1)
    weight = (s.square() + sd * sd) / (s * sd).square()
    n = torch.randn_like(y) * s
    return weight * (precond(net, y + n, sigma, z, drop) - y).square()


def load_safetensors(path):
    with open(path, 'rb') as f:
        buf = f.read()
    n = struct.unpack('<Q', buf[:8])[0]
    header = json.loads(buf[8:8 + n])
    data = buf[8 + n:]
    dtypes = {'F32': np.float32, 'I64': np.int64, 'BOOL': np.bool_, 'U8': np.uint8}
    out = {}
    for name, info in header.items():
        if name == '__metadata__':
            continue
        a, b = info['data_offsets']
        out[name] = torch.from_numpy(np.frombuffer(data[a:b], dtype=dtypes[info['dtype']]).reshape(info['shape']).copy())
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--config', required=True, help='UNet options as JSON (as UNetOptions in src/networks/unet.ts)')
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--batch', type=int, default=32)
    ap.add_argument('--warmup', type=int, default=2)
    ap.add_argument('--steps', type=int, default=5)
    ap.add_argument('--check', help='safetensors with net.* weights, x, c_noise, z, out (from the TypeScript side)')
    args = ap.parse_args()
    set_threads(args.threads)
    torch.manual_seed(0)
    cfg = json.loads(args.config)
    net = UNet(**cfg)
    n_params = sum(p.numel() for p in net.parameters())
    if args.check:
        t = load_safetensors(args.check)
        missing, unexpected = net.load_state_dict({k[4:]: v for k, v in t.items() if k.startswith('net.')}, strict=True)
        net.eval()
        with torch.no_grad():
            out = net(t['x'], t['c_noise'], t.get('z'), None, t.get('labels'))
        print(json.dumps({'params': n_params, 'max_abs_diff': (out - t['out']).abs().max().item(),
                          'out_abs_max': t['out'].abs().max().item()}))
        return
    res, C, B = cfg['resolution'], cfg['inChannels'], args.batch
    y = torch.randn(B, C, res, res) * 0.5
    lat = cfg.get('latents')
    z = F.one_hot(torch.randint(0, lat['k'], (B, lat['m'])), lat['k']).float() if lat else None
    opt = torch.optim.Adam(net.parameters(), lr=1e-4)
    net.train()
    wall, cpu = [], []
    for i in range(args.warmup + args.steps):
        r0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
        opt.zero_grad(set_to_none=True)
        drop = torch.rand(B) < 0.1 if lat else None
        edm_loss(net, y, z, drop).mean().backward()
        opt.step()
        t1, r1 = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
        if i >= args.warmup:
            wall.append((t1 - t0) * 1e3)
            cpu.append((r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime) * 1e3)
    print(json.dumps({'side': 'pytorch', 'torch': torch.__version__, 'threads': torch.get_num_threads(), 'params': n_params,
                      'wall_ms': wall, 'cpu_ms': cpu, 'median_ms': statistics.median(wall),
                      'cpu_median_ms': statistics.median(cpu),
                      'max_rss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


if __name__ == '__main__':
    main()
