/**
 * Training objectives for the same preconditioned denoiser D (the network and its c_skip, c_out,
 * c_in, c_noise do not change). Both are λ(σ)·‖D(y + n, σ) − y‖², n ~ N(0, σ² I), and differ in
 * the weight and in how σ is drawn:
 *
 * EDM (Karras et al. 2022, Eq. 8 and Table 1):
 *   ln σ ~ N(P_mean, P_std²),  λ(σ) = (σ² + σ_d²)/(σ·σ_d)².
 *
 * VDM++ (Kingma & Gao 2023, "Understanding Diffusion Objectives as the ELBO with Simple Data
 * Augmentation"): with the log-SNR l = −2 ln σ (SNR = 1/σ²) and ε̂ = (x − D)/σ,
 *   L = ∫ w(l)·E‖ε̂ − ε‖² dl = E_{l~p} [ w(l)/p(l) · ‖D − y‖²/σ² ],   w(l) = sigmoid(b − l),
 * the paper's "sigmoid" weighting: monotone in l, so L is an ELBO of Gaussian-noise-augmented
 * data; a larger shift b extends the weight to lower noise. p(l) is free: it only changes the
 * variance of the estimate. The paper's adaptive schedule sets p ∝ w(l)·E‖ε̂ − ε‖²; we use its
 * closed form under the Gaussian model of the data that EDM's preconditioning assumes
 * (E‖ε̂ − ε‖² per dimension = σ_d²/(σ² + σ_d²) = sigmoid(l − a), a = −2 ln σ_d):
 *   p(l) = sigmoid(b − l)·sigmoid(l − a)/Z,   Z = (b − a)/(1 − e^{a−b})   (Z = 1 at a = b),
 * so the weight becomes w/(p·σ²) = Z·(σ² + σ_d²)/(σ·σ_d)² = Z·λ_EDM(σ): EDM's own weight, which
 * keeps every σ's term O(1) (EDM's log-normal p instead would give w/p growing like e^{l²} in
 * the tails), and p needs no σ range cut off. l is drawn by inverting p's CDF,
 * F(l) = 1 + ln((e^l + e^a)/(e^l + e^b))/(b − a):
 *   l = a + ln(expm1(u·(b − a)) / −expm1((u − 1)·(b − a))),  u ~ U(0, 1)   (l = a + logit u at a = b).
 */
import { rand, randn, randnLike, type Generator, type Tensor } from '../engine/index.js';

/** EDM's ln σ ~ N(pMean, pStd²), σ_data and a generator (the config's `edm` section holds their defaults). */
export interface EDMLossOptions {
  pMean: number;
  pStd: number;
  sigmaData: number;
  generator?: Generator;
}

/** VDM++'s shift b of the sigmoid weighting w(l) = sigmoid(b − l), and σ_data. */
export interface VDMppParams {
  bias: number;
  sigmaData: number;
}

/** VDM++'s sigmoid bias, σ_data and a generator. */
export interface VDMppLossOptions extends VDMppParams {
  generator?: Generator;
}

/** A denoiser as the loss sees it: noisy x and σ [B] → clean estimate. */
export type DenoiseBatch = (x: Tensor, sigma: Tensor) => Tensor;

/** Per-element weighted loss [B, …] and the σ [B] drawn for each sample. */
export interface DenoisingLoss {
  loss: Tensor;
  sigma: Tensor;
}

/** EDM's λ(σ) = (σ² + σ_d²)/(σ·σ_d)² for σ of any shape. */
export function edmWeight(sigma: Tensor, sigmaData: number): Tensor {
  const sd = sigmaData;
  return sigma.square().add(sd * sd).div(sigma.mul(sd).square());
}

/** VDM++'s normaliser Z = ∫ sigmoid(b − l)·sigmoid(l − a) dl, a = −2 ln σ_d. */
function vdmppZ(bias: number, sigmaData: number): number {
  const d = bias + 2 * Math.log(sigmaData); // b − a
  return d === 0 ? 1 : d / -Math.expm1(-d);
}

/** The VDM++ weight on ‖D − y‖², w(l)/(p(l)·σ²) = Z·λ_EDM(σ), for σ of any shape. */
export function vdmppWeight(sigma: Tensor, { bias, sigmaData }: VDMppParams): Tensor {
  return edmWeight(sigma, sigmaData).mul(vdmppZ(bias, sigmaData));
}

/** The log-SNR l with CDF value u ∈ (0, 1) under VDM++'s p(l) (inverse CDF; see the file's doc). */
export function vdmppLogSnr(u: Tensor, { bias, sigmaData }: VDMppParams): Tensor {
  const a = -2 * Math.log(sigmaData), d = bias - a;
  if (d === 0) return u.div(u.rsub(1)).log().add(a);
  return u.mul(d).expm1().div(u.sub(1).mul(d).expm1().neg()).log().add(a);
}

/** λ(σ)·‖D(y + n, σ) − y‖² per element for the drawn σ [B]. */
function denoisingLoss(D: DenoiseBatch, y: Tensor, sigma: Tensor, weight: (s: Tensor) => Tensor, generator?: Generator): DenoisingLoss {
  const s = sigma.reshape(y.size(0), ...y.shape.slice(1).map(() => 1));
  const n = randnLike(y, { generator }).mul(s);
  const D_yn = D(y.add(n), sigma);
  return { loss: weight(s).mul(D_yn.sub(y).square()), sigma };
}

/** EDM's loss: ln σ ~ N(P_mean, P_std²), weight λ(σ). */
export function edmLoss(D: DenoiseBatch, y: Tensor, o: EDMLossOptions): DenoisingLoss {
  const { pMean, pStd, sigmaData: sd, generator } = o;
  const rnd = randn([y.size(0)], { dtype: y.dtype, device: y.device, generator });
  return denoisingLoss(D, y, rnd.mul(pStd).add(pMean).exp(), (s) => edmWeight(s, sd), generator);
}

/** VDM++'s loss: l ~ p(l), σ = e^{−l/2}, weight Z·λ_EDM(σ) (sigmoid weighting with shift `bias`). */
export function vdmppLoss(D: DenoiseBatch, y: Tensor, o: VDMppLossOptions): DenoisingLoss {
  const { bias, sigmaData, generator } = o;
  const w = { bias, sigmaData };
  // u ∈ [1e-6, 1 − 1e-6]: the CDF's ends map to σ = ∞ and σ = 0.
  const u = rand([y.size(0)], { dtype: y.dtype, device: y.device, generator }).clamp(1e-6, 1 - 1e-6);
  const sigma = vdmppLogSnr(u, w).mul(-0.5).exp();
  return denoisingLoss(D, y, sigma, (s) => vdmppWeight(s, w), generator);
}
