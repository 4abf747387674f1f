"""PyTorch reference for bench/engine.ts: the same workloads, timed the same way.

Run by bench/engine.ts as a child process with /usr/bin/python3 (Debian's python3-torch, the
same libtorch 1.13 the addon links). Prints one JSON object on stdout.

    python3 bench/engine_ref.py --threads 1 --plan '{"W1": [5, 30], "W2": [2, 6]}'
"""
import argparse
import ctypes
import json
import resource
import statistics
import time

import torch
import torch.nn.functional as F
from torch import nn


def set_threads(n):
    """As the addon's setNumThreads: ATen's intra-op pool and OpenBLAS (which torch leaves alone)."""
    torch.set_num_threads(n)
    try:
        ctypes.CDLL('libopenblas.so.0').openblas_set_num_threads(n)
    except (OSError, AttributeError):
        pass


# ---- workloads (mirror bench/engine.ts) ----------------------------------------------------------
class ConvNet(nn.Module):
    """W2: conv3x3 3→64, 64→64, avgpool 2, 64→128, 128→128, nearest ×2, 128→64, 64→3; SiLU between."""

    def __init__(self):
        super().__init__()
        widths = [(3, 64), (64, 64), (64, 128), (128, 128), (128, 64), (64, 3)]
        self.convs = nn.ModuleList([nn.Conv2d(i, o, 3, padding=1) for i, o in widths])

    def forward(self, x):
        c = self.convs
        h = F.silu(c[1](F.silu(c[0](x))))
        h = F.avg_pool2d(h, 2)
        h = F.silu(c[3](F.silu(c[2](h))))
        h = F.interpolate(h, scale_factor=2, mode='nearest')
        return c[5](F.silu(c[4](h)))


class AttentionBlock(nn.Module):
    """W3: x + o(attn(LayerNorm(x))), 4 heads, separate q/k/v/o linears."""

    def __init__(self, dim=128, heads=4):
        super().__init__()
        self.heads = heads
        self.norm = nn.LayerNorm(dim)
        self.q, self.k, self.v, self.o = (nn.Linear(dim, dim) for _ in range(4))

    def forward(self, x):
        B, T, C = x.shape
        h, hs = self.heads, C // self.heads
        n = self.norm(x)
        q, k, v = (lin(n).view(B, T, h, hs).transpose(1, 2) for lin in (self.q, self.k, self.v))  # (B, h, T, hs)
        att = (q @ k.transpose(-2, -1) * (1 / hs ** 0.5)).softmax(-1)
        y = (att @ v).transpose(1, 2).reshape(B, T, C)
        return x + self.o(y)


def make(name):
    g = torch.Generator().manual_seed(0)
    if name == 'W1':
        layers = []
        widths = [2, 256, 256, 256, 2]
        for i in range(4):
            layers.append(nn.Linear(widths[i], widths[i + 1]))
            if i < 3:
                layers.append(nn.SiLU())
        return nn.Sequential(*layers), torch.randn(1024, 2, generator=g), torch.randn(1024, 2, generator=g)
    if name == 'W2':
        return ConvNet(), torch.randn(64, 3, 32, 32, generator=g), torch.randn(64, 3, 32, 32, generator=g)
    if name == 'W3':
        return AttentionBlock(), torch.randn(64, 256, 128, generator=g), torch.randn(64, 256, 128, generator=g)
    raise ValueError(name)


def timed(warmup, steps, body):
    """Runs body warmup + steps times; per-step wall ms, process CPU ms (all threads) and its system part."""
    wall, cpu, sys_ = [], [], []
    for i in range(warmup + steps):
        r0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
        body()
        t1, r1 = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
        if i < warmup:
            continue
        wall.append((t1 - t0) * 1e3)
        cpu.append((r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime) * 1e3)
        sys_.append((r1.ru_stime - r0.ru_stime) * 1e3)
    return wall, cpu, sys_


def train_steps(name, warmup, steps):
    model, x, y = make(name)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def step():
        opt.zero_grad(set_to_none=True)  # as Module.zeroGrad: gradients back to None
        F.mse_loss(model(x), y).backward()
        opt.step()
    return timed(warmup, steps, step)


def matmul(warmup, steps):
    g = torch.Generator().manual_seed(0)
    a, b = torch.randn(1024, 1024, generator=g), torch.randn(1024, 1024, generator=g)
    with torch.no_grad():
        return timed(warmup, steps, lambda: a @ b)


def overhead(warmup, steps):
    """Per-op cost on a tiny tensor: 1,000 adds per sample (ms per sample = µs per op)."""
    x = torch.ones(16)

    def body():
        for _ in range(1000):
            x.add(1.0)
    return timed(warmup, steps, body)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--threads', type=int, required=True)
    ap.add_argument('--plan', required=True, help='JSON {workload: [warmup, steps]}')
    args = ap.parse_args()
    set_threads(args.threads)
    torch.manual_seed(0)
    out = {'side': 'pytorch', 'threads': torch.get_num_threads(), 'torch': torch.__version__, 'results': {}}
    for name, (warmup, steps) in json.loads(args.plan).items():
        if name == 'MM':
            set_threads(1)
            wall, cpu, sys_ = matmul(warmup, steps)
            set_threads(args.threads)
        elif name == 'OV':
            wall, cpu, sys_ = overhead(warmup, steps)
        else:
            wall, cpu, sys_ = train_steps(name, warmup, steps)
        out['results'][name] = {'median_ms': statistics.median(wall), 'min_ms': min(wall), 'cpu_ms': statistics.median(cpu),
                                'sys_ms': statistics.median(sys_), 'ms': wall}
    out['max_rss_mb'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))


if __name__ == '__main__':
    main()
