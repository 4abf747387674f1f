"""A PyTorch reference of the 2-D denoiser (src/networks/mlp-denoiser.ts inside EDM's
preconditioning), computed from one of our checkpoints: its `model.denoiser.net.*` weights and the
run config in its metadata.

Usage: mlp_denoiser.py CHECKPOINT IO [CHECKPOINT IO …]. IO holds x [B, d], sigma [B], optional
latents (one-hot [B, m, k]) and drop (bool [B]), and our output `out`. Prints a JSON list, per
pair: the parameter count, max |D − out| and max |out|.
"""
import json
import math

import torch
from torch.nn import functional as F

from common import agreement, load, main

PREFIX = 'model.denoiser.net.'


def linear(p, name, x):
    return F.linear(x, p[f'{name}.weight'], p[f'{name}.bias'])


def noise_embedding(p, c_noise):
    """Cos and sin of c_noise at geometric frequencies 1 … 16, then Linear → SiLU → Linear."""
    half = p['noise.fc1.weight'].shape[1] // 2
    arg = c_noise[:, None] * torch.linspace(0, math.log(16), half).exp()[None, :]
    return linear(p, 'noise.fc2', F.silu(linear(p, 'noise.fc1', torch.cat([arg.cos(), arg.sin()], dim=1))))


def latent_embedding(p, z, drop, batch):
    """Per-position code embeddings [B, m, dim] (z @ table); the learned null where absent or dropped."""
    table, null = p['latent.table'], p['latent.null']
    nul = null[None].expand(batch, *null.shape)
    if z is None:
        return nul
    emb = torch.einsum('bmk,mkd->bmd', z, table)
    return emb if drop is None else torch.where(drop[:, None, None], nul, emb)


def network(p, seen, x, c_noise, z, drop):
    """F(c_in·x, c_noise, ·): summed input projections, SiLU, then the MLP (SiLU between layers)."""
    h = linear(p, 'in_x', x) + linear(p, 'in_noise', noise_embedding(p, c_noise))
    if seen != 'none':
        if seen == 'presence' and z is not None:
            z = torch.ones(x.shape[0], 1, 1)
        h = h + linear(p, 'in_latent', latent_embedding(p, z, drop, x.shape[0]).flatten(1))
    layers = sorted({int(k.split('.')[1]) for k in p if k.startswith('mlp.')})
    h = F.silu(h)
    for i in layers:
        h = linear(p, f'mlp.{i}', h)
        if i != layers[-1]:
            h = F.silu(h)
    return h


def mixture_denoisers(x, s, mu, cov, log_w):
    """Per code the exact denoiser of its Gaussian mixture: Σ_c r_c (μ_c + Σ_c (Σ_c + σ²I)⁻¹ (x − μ_c)),
    r_c ∝ π_c N(x; μ_c, Σ_c + σ²I). x [B, d], s [B, 1], mu [m, k, c, d], cov [m, k, c, d, d],
    log_w [m, k, c] → [B, m, k, d]."""
    d = x.shape[1]
    total = cov[None] + (s.reshape(-1, 1, 1, 1, 1, 1) ** 2) * torch.eye(d, dtype=x.dtype)  # (B, m, k, c, d, d)
    diff = x[:, None, None, None, :] - mu[None]                                            # (B, m, k, c, d)
    solved = torch.linalg.solve(total, diff.unsqueeze(-1)).squeeze(-1)
    log_r = log_w.log_softmax(-1)[None] - 0.5 * (diff * solved).sum(-1) - 0.5 * torch.logdet(total)
    component = mu[None] + (cov[None] @ solved.unsqueeze(-1)).squeeze(-1)
    return (log_r.softmax(-1)[..., None] * component).sum(3)


def code_gaussians(p, d):
    """Every form of the analytic term as a mixture: means [m, k, c, d], covariances, log-weights."""
    eye = torch.eye(d)
    if 'sub_means' in p:
        mu, log_w = p['sub_means'], p['sub_log_weights']
        cov = p['sub_cov'] if 'sub_cov' in p else p['sub_log_stds'].mul(2).exp()[..., None, None] * eye
        return mu, cov, log_w
    mu = p['means'][:, :, None]
    cov = p['cov'][:, :, None] if 'cov' in p else p['log_stds'].mul(2).exp()[:, :, None, None, None] * eye
    return mu, cov, torch.zeros(mu.shape[:3])


def skip(p, x, s, z, drop, sd):
    """c_skip·x, or per latent the codes' exact denoisers weighted by z (mean over latents)."""
    plain = x * sd ** 2 / (s ** 2 + sd ** 2)
    if 'means' not in p or z is None:
        return plain
    per_code = mixture_denoisers(x, s, *code_gaussians(p, x.shape[1]))
    gauss = (per_code * z[..., None]).sum(2).mean(1)
    return gauss if drop is None else torch.where(drop[:, None], plain, gauss)


def check(checkpoint, io):
    tensors, meta = load(checkpoint)
    info = json.loads(meta['meta'])
    cfg, sd = info['config'], info['dataInfo']['sigmaData']
    seen = cfg['model']['latentInput'] if cfg['latents']['enabled'] else 'none'
    p = {k[len(PREFIX):]: v for k, v in tensors.items() if k.startswith(PREFIX)}
    t, _ = load(io)
    x, sigma, z, drop = t['x'], t['sigma'], t.get('latents'), t.get('drop')
    s = sigma[:, None]
    c_out = s * sd / (s ** 2 + sd ** 2).sqrt()
    c_in = 1 / (s ** 2 + sd ** 2).sqrt()
    d = skip(p, x, s, z, drop, sd) + c_out * network(p, seen, c_in * x, sigma.log() / 4, z, drop)
    return agreement(d, t['out'], sum(v.numel() for v in p.values()))


if __name__ == '__main__':
    main(check)
