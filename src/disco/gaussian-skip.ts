/**
 * The analytic skip term of DisCo-Diff's (Xu et al. 2024) App. F parameterisation: the exact
 * denoiser of one Gaussian N(μ_j, s_j² I) per latent code j, weighted by the (straight-through)
 * one-hot z and averaged over the m latents,
 *   skip(x, σ, z) = mean_i Σ_j z_ij·(μ_ij + s_ij²/(s_ij² + σ²)·(x − μ_ij)),
 * and EDM's c_skip·x (the N(0, σ_d²) denoiser; src/edm/precond.ts) where z is absent or dropped.
 * With a full covariance per code (`model.codeCovariance: full`), code j's term is the exact denoiser
 * of N(μ_j, Σ_j), μ_j + Σ_j(Σ_j + σ²I)⁻¹(x − μ_j) = μ_j + U_j diag(λ_j/(λ_j + σ²)) U_jᵀ(x − μ_j).
 * With a mixture of c Gaussians per code (`model.codeModes`), code j's term is that mixture's exact
 * denoiser, Σ_c r_jc(x)·(μ_jc + s_jc²/(s_jc² + σ²)·(x − μ_jc)), r_jc ∝ π_jc·N(x; μ_jc, (s_jc² + σ²) I).
 * Weighting the per-code denoisers by z (rather than mixing the codes' parameters) makes the
 * straight-through gradient of code j measure the loss of switching to code j. Computed as
 * mean_i [Σ_j z_ij(1 − r_ij)μ_ij + x·Σ_j z_ij r_ij], r = s²/(s² + σ²), so no [B, m, k, d] tensor
 * is formed (images: d = C·H·W).
 */
import { F, Tensor, where, zeros, zerosLike } from '../engine/index.js';
import { N } from '../engine/native.js';
import { fusable } from './fused.js';

/**
 * The codes' centre image mean_i Σ_j z_ij·μ_ij: z [B, m, k] (one-hot forward), means [m, k, d] →
 * [B, d]; zeros where z is absent or dropped (dropLatents bool [B]).
 */
export function codeCentres(z: Tensor | null | undefined, means: Tensor, B: number, dropLatents?: Tensor): Tensor {
  if (!z) return zeros([B, means.size(2)], { dtype: means.dtype, device: means.device });
  const c = z.transpose(0, 1).bmm(means).mean(0); // (m, B, k)@(m, k, d) → (B, d)
  return dropLatents ? where(dropLatents.view(B, 1), zerosLike(c), c) : c;
}

/**
 * x [B, …], sigma and EDM's cSkip [B, 1, …] (or [B]), z [B, m, k] or null, per-code Gaussians
 * (means [m, k, d], d = the size of one x, and logStds [m, k]) or null for a model without them
 * → [B, …].
 */
export function gaussianSkip(x: Tensor, sigma: Tensor, cSkip: Tensor, z: Tensor | null | undefined,
  codes: CodeGaussians, dropLatents?: Tensor): Tensor {
  const B = x.size(0);
  const perRow = (t: Tensor) => t.reshape(B, ...x.shape.slice(1).map(() => 1));
  const plain = () => x.mul(perRow(cSkip));
  const { means, logStds } = codes;
  if (!z || !means || !logStds) return plain();
  const drop = dropLatents ? dropLatents.id : null;
  if (codes.subMeans && codes.subCov && codes.subLogWeights) {
    const mix = [codes.subMeans, codes.subCov, codes.subLogWeights];
    if (fusable(x, sigma, cSkip, z, ...mix) && ![x, ...mix].some((t) => t.requiresGrad)) {
      return new Tensor(N.fullMixtureSkip(x.reshape(B, -1).id, sigma.reshape(B).id, cSkip.reshape(B).id, z.id, drop,
        ...mix.map((t) => t.id) as [number, number, number])).reshape(...x.shape);
    }
    const gauss = fullMixtureSkip(x.reshape(B, -1), sigma.reshape(B, 1, 1, 1, 1), z, codes.subMeans, codes.subCov, codes.subLogWeights);
    return dropLatents ? where(perRow(dropLatents), plain(), gauss.reshape(...x.shape)) : gauss.reshape(...x.shape);
  }
  if (codes.cov) {
    if (fusable(x, sigma, cSkip, z, means, codes.cov) && ![x, means, codes.cov].some((t) => t.requiresGrad)) {
      return new Tensor(N.covarianceSkip(x.reshape(B, -1).id, sigma.reshape(B).id, cSkip.reshape(B).id, z.id, drop, means.id, codes.cov.id))
        .reshape(...x.shape);
    }
    const gauss = fullCovarianceSkip(x.reshape(B, -1), sigma.reshape(B, 1, 1, 1), z, means, codes.cov);
    return dropLatents ? where(perRow(dropLatents), plain(), gauss.reshape(...x.shape)) : gauss.reshape(...x.shape);
  }
  if (codes.subMeans && codes.subLogStds && codes.subLogWeights) {
    const mix = [codes.subMeans, codes.subLogStds, codes.subLogWeights];
    if (fusable(x, sigma, cSkip, z, ...mix) && ![x, ...mix].some((t) => t.requiresGrad)) {
      const flat = (t: Tensor) => t.reshape(B, -1);
      return new Tensor(N.mixtureSkip(flat(x).id, sigma.reshape(B).id, cSkip.reshape(B).id, z.id, drop, ...mix.map((t) => t.id) as [number, number, number]))
        .reshape(...x.shape);
    }
    const gauss = mixtureSkip(x.reshape(B, -1), sigma.reshape(B, 1, 1, 1), z, codes.subMeans, codes.subLogStds, codes.subLogWeights);
    return dropLatents ? where(perRow(dropLatents), plain(), gauss.reshape(...x.shape)) : gauss.reshape(...x.shape);
  }
  if (fusable(x, sigma, cSkip, z, means, logStds)) {
    return new Tensor(N.codeSkip(x.reshape(B, -1).id, sigma.reshape(B).id, cSkip.reshape(B).id, z.id, drop, means.id, logStds.id)).reshape(...x.shape);
  }
  const s2 = sigma.reshape(B, 1, 1).square(); // (B, 1, 1)
  const xf = x.reshape(B, -1); // (B, d)
  const v = logStds.mul(2).exp().unsqueeze(0); // (1, m, k)
  const r = v.div(v.add(s2)); // (B, m, k)
  const toCentre = z.mul(r.rsub(1)).transpose(0, 1).bmm(means).mean(0); // (m, B, k)@(m, k, d) → (B, d)
  const keep = z.mul(r).sum(2).mean(1, true); // (B, 1)
  const gauss = toCentre.add(xf.mul(keep)).reshape(...x.shape);
  return dropLatents ? where(perRow(dropLatents), plain(), gauss) : gauss;
}

/** A denoiser's per-code Gaussians: one per code (means [m, k, d], logStds [m, k]), and optionally a mixture per code. */
export interface CodeGaussians {
  means: Tensor | null;
  logStds: Tensor | null;
  /** c Gaussians per code: means [m, k, c, d], log-stds and log-weights [m, k, c]. */
  subMeans?: Tensor | null;
  subLogStds?: Tensor | null;
  subLogWeights?: Tensor | null;
  /** A full covariance per code: Σ [m, k, d, d]. */
  cov?: Tensor | null;
  /** c full-covariance Gaussians per code (with subMeans and subLogWeights): Σ [m, k, c, d, d]. */
  subCov?: Tensor | null;
}

/** Eigenvalues λ ≥ 0 [..., d] and axes U [..., d, d] (columns) of covariances Σ = U diag(λ) Uᵀ [..., d, d]. */
function eigen(cov: Tensor): { v: Tensor; U: Tensor } {
  const { values, vectors } = F.eigh(cov);
  return { v: values.clamp(0), U: vectors };
}

/**
 * mean_i Σ_j z_ij·D_ij(x, σ), D_ij the exact denoiser of code j's mixture of full Gaussians:
 * Σ_c r_c (μ_c + U_c diag(λ_c/(λ_c + σ²)) U_cᵀ(x − μ_c)), r_c ∝ π_c N(x; μ_c, Σ_c + σ²I). xf [B, d],
 * sigma [B, 1, 1, 1, 1], z [B, m, k], means [m, k, c, d], covariances [m, k, c, d, d], logWeights
 * [m, k, c] → [B, d].
 */
function fullMixtureSkip(xf: Tensor, sigma: Tensor, z: Tensor, mu: Tensor, cov: Tensor, logWeights: Tensor): Tensor {
  const d = xf.size(1);
  const { v: vars, U: axes } = eigen(cov);
  const diff = xf.reshape(xf.size(0), 1, 1, 1, d).sub(mu.unsqueeze(0)); // (B, m, k, c, d)
  const coords = diff.unsqueeze(-2).matmul(axes).squeeze(-2); // Uᵀ(x − μ): (B, m, k, c, d)
  const v = vars.unsqueeze(0), total = v.add(sigma.square()); // (1, m, k, c, d), (B, m, k, c, d)
  const logits = logWeights.logSoftmax(-1).unsqueeze(0)
    .sub(coords.square().div(total).sum(-1).mul(0.5)).sub(total.log().sum(-1).mul(0.5)); // (B, m, k, c)
  const r = logits.softmax(-1).unsqueeze(-1); // (B, m, k, c, 1)
  const comp = mu.unsqueeze(0).add(coords.mul(v.div(total)).unsqueeze(-2).matmul(axes.transpose(-1, -2)).squeeze(-2)); // (B, m, k, c, d)
  return z.unsqueeze(-1).mul(r.mul(comp).sum(3)).sum(2).mean(1); // (B, d)
}

/**
 * mean_i Σ_j z_ij·(μ_ij + U_ij diag(λ_ij/(λ_ij + σ²)) U_ijᵀ(x − μ_ij)), Σ_ij = U_ij diag(λ_ij) U_ijᵀ: xf
 * [B, d], sigma [B, 1, 1, 1], z [B, m, k], means [m, k, d], covariances [m, k, d, d] → [B, d]. Forms
 * [B, m, k, d]: for the MLP's small d.
 */
function fullCovarianceSkip(xf: Tensor, sigma: Tensor, z: Tensor, means: Tensor, cov: Tensor): Tensor {
  const d = xf.size(1);
  const { v: vars, U: axes } = eigen(cov);
  const diff = xf.reshape(xf.size(0), 1, 1, d).sub(means.unsqueeze(0)); // (B, m, k, d)
  const coords = diff.unsqueeze(-2).matmul(axes).squeeze(-2); // Uᵀ(x − μ) as a row: (B, m, k, 1, d)@(m, k, d, d)
  const v = vars.unsqueeze(0); // (1, m, k, d)
  const shrunk = coords.mul(v.div(v.add(sigma.square()))); // (B, m, k, d)
  const perCode = means.unsqueeze(0).add(shrunk.unsqueeze(-2).matmul(axes.transpose(-1, -2)).squeeze(-2)); // μ + U·shrunk
  return z.unsqueeze(-1).mul(perCode).sum(2).mean(1); // (B, d)
}

/**
 * mean_i Σ_j z_ij·D_ij(x, σ) with D_ij the exact denoiser of code j's mixture (see above): xf [B, d],
 * sigma [B, 1, 1, 1], z [B, m, k] → [B, d]. Forms [B, m, k, c, d]: for the 2-D MLP's few codes.
 */
function mixtureSkip(xf: Tensor, sigma: Tensor, z: Tensor, mu: Tensor, logStds: Tensor, logWeights: Tensor): Tensor {
  const d = xf.size(1);
  const v = logStds.mul(2).exp().unsqueeze(0); // (1, m, k, c)
  const total = v.add(sigma.square()); // (B, m, k, c)
  const diff = xf.reshape(xf.size(0), 1, 1, 1, d).sub(mu.unsqueeze(0)); // (B, m, k, c, d)
  const logits = logWeights.logSoftmax(-1).unsqueeze(0)
    .sub(diff.square().sum(-1).div(total).mul(0.5)).sub(total.log().mul(d / 2)); // (B, m, k, c)
  const r = logits.softmax(-1).unsqueeze(-1); // (B, m, k, c, 1)
  const perCode = r.mul(mu.unsqueeze(0).add(diff.mul(v.div(total).unsqueeze(-1)))).sum(3); // (B, m, k, d)
  return z.unsqueeze(-1).mul(perCode).sum(2).mean(1); // (B, d)
}
