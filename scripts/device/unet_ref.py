"""PyTorch's side of scripts/device/bench.ts: bench/images_unet_ref.py's U-Net and EDM training step
(forward, loss, backward, Adam) on --device, timed per batch size with the device synchronised,
and the caching allocator's peak (CUDA) or the process's peak RSS (CPU). Prints one JSON line.

    python3 scripts/device/unet_ref.py --config '{...UNetOptions}' --device cuda --batches 32,64 --warmup 3 --steps 10
"""
import argparse
import inspect
import json
import os
import resource
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'bench'))

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from images_unet_ref import UNet, edm_loss  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--config', required=True)
    ap.add_argument('--device', default='cpu')
    ap.add_argument('--batches', default='32')
    ap.add_argument('--warmup', type=int, default=3)
    ap.add_argument('--steps', type=int, default=10)
    args = ap.parse_args()
    dev = torch.device(args.device)
    cuda = dev.type == 'cuda'
    if cuda:
        torch.set_default_device(dev)  # the reference draws σ and the frequencies without naming a device
    cfg = json.loads(args.config)
    known = inspect.signature(UNet.__init__).parameters
    torch.manual_seed(0)
    net = UNet(**{k: v for k, v in cfg.items() if k in known}).to(dev)
    opt = torch.optim.Adam(net.parameters(), lr=1e-4)
    net.train()
    res, C, lat = cfg['resolution'], cfg['inChannels'], cfg.get('latents')
    rows = []
    for B in [int(b) for b in args.batches.split(',')]:
        y = torch.randn(B, C, res, res, device=dev) * 0.5
        z = F.one_hot(torch.randint(0, lat['k'], (B, lat['m']), device=dev), lat['k']).float() if lat else None
        if cuda:
            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()
        wall = []
        for i in range(args.warmup + args.steps):
            t0 = time.perf_counter()
            opt.zero_grad(set_to_none=True)
            drop = torch.rand(B, device=dev) < 0.1 if lat else None
            edm_loss(net, y, z, drop).mean().backward()
            opt.step()
            if cuda:
                torch.cuda.synchronize()
            if i >= args.warmup:
                wall.append((time.perf_counter() - t0) * 1e3)
        peak = torch.cuda.max_memory_allocated() if cuda else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        rows.append({'batch': B, 'median_ms': statistics.median(wall), 'wall_ms': wall, 'peak_bytes': peak,
                     'peak_kind': 'cuda allocated' if cuda else 'process max RSS'})
    print(json.dumps({'torch': torch.__version__, 'device': str(dev),
                      'params': sum(p.numel() for p in net.parameters()), 'rows': rows}))


if __name__ == '__main__':
    main()
