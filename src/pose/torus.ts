/**
 * The wrapped normal on the circle, the noise of each torsion angle in torsional diffusion (Jing et al.,
 * NeurIPS 2022) and DiffDock (Corso et al., ICLR 2023):
 *   p(x; σ) = 1/(√(2π) σ) Σ_{k=−K}^{K} e^{−(x + 2πk)²/(2σ²)},   x ∈ [−π, π),
 * normalised over [−π, π) (exactly so as K → ∞; the images |k| > K = 10 weigh below e^{−50} for σ ≤ 2π).
 */
import type { Rng } from './random.js';

/** Smallest σ of the score table (torsional diffusion's 3e-3·π, rounded down). */
export const TORUS_SIGMA_MIN = 1e-3;
/** Largest σ of the score table (torsional diffusion's 2π). */
export const TORUS_SIGMA_MAX = 2 * Math.PI;

const IMAGES = 10;       // K: the sum runs over k = −K … K
const SIGMA_ROWS = 2000; // log-spaced σ rows of the E[score²] table
const X_STEPS = 64;      // x intervals per row, over [0, min(π, 10σ)]
const TAIL_SIGMAS = 10;  // beyond 10σ the mass is below 1e-20

function checkSigma(sigma: number): void {
  if (!(sigma > 0) || !Number.isFinite(sigma)) throw new Error(`wrapped normal sigma must be a positive finite number, got ${sigma}`);
}

/** x wrapped onto [−π, π). */
export function wrap(x: number): number {
  if (!Number.isFinite(x)) throw new Error(`cannot wrap a non-finite angle ${x}`);
  const y = x - 2 * Math.PI * Math.floor((x + Math.PI) / (2 * Math.PI));
  return y < -Math.PI || y >= Math.PI ? -Math.PI : y;  // rounding can land just outside
}

/**
 * log Σ_k e^{−(x + 2πk)²/(2σ²)} and the score ∂/∂x of it, −Σ_k w_k (x + 2πk)/σ² with w_k the softmax
 * weights, for x already wrapped. The k = 0 image is the nearest, so it is factored out (log-sum-exp).
 */
function imageSum(x: number, sigma: number): { logSum: number; score: number } {
  const s2 = sigma * sigma;
  let sum = 0;
  let weighted = 0;
  for (let k = -IMAGES; k <= IMAGES; k++) {
    const u = x + 2 * Math.PI * k;
    const w = Math.exp(-(u * u - x * x) / (2 * s2));
    sum += w;
    weighted += w * u;
  }
  return { logSum: -(x * x) / (2 * s2) + Math.log(sum), score: -weighted / (s2 * sum) };
}

/** The wrapped normal density p(x; σ) at x (wrapped first), normalised over [−π, π). */
export function wrappedNormalDensity(x: number, sigma: number): number {
  checkSigma(sigma);
  return Math.exp(imageSum(wrap(x), sigma).logSum) / (Math.sqrt(2 * Math.PI) * sigma);
}

/** The score ∂/∂x log p(x; σ); odd and 2π-periodic in x, → −x/σ² for small σ. */
export function torusScore(x: number, sigma: number): number {
  checkSigma(sigma);
  return imageSum(wrap(x), sigma).score;
}

/** A draw from the wrapped normal: σ·N(0, 1) wrapped onto [−π, π). */
export function sampleWrappedNormal(sigma: number, rng: Rng): number {
  checkSigma(sigma);
  return wrap(sigma * rng.normal());
}

/** E[score²] = 2∫_0^π score² p dx by the trapezoid rule; the integrand is even and 2π-periodic, so it converges spectrally. */
function scoreSquaredMeanRow(sigma: number): number {
  const h = Math.min(Math.PI, TAIL_SIGMAS * sigma) / X_STEPS;
  let total = 0;
  for (let j = 0; j <= X_STEPS; j++) {
    const { logSum, score } = imageSum(j * h, sigma);
    const p = Math.exp(logSum) / (Math.sqrt(2 * Math.PI) * sigma);
    total += (j === 0 || j === X_STEPS ? 0.5 : 1) * score * score * p;
  }
  return 2 * h * total;
}

/** The σ grid, log-spaced over [TORUS_SIGMA_MIN, TORUS_SIGMA_MAX]. */
function rowSigma(i: number): number {
  return TORUS_SIGMA_MIN * (TORUS_SIGMA_MAX / TORUS_SIGMA_MIN) ** (i / (SIGMA_ROWS - 1));
}

let logRows: Float64Array | null = null;

/** log E[score²] per σ row, built on first use and kept for the process. */
function torusRows(): Float64Array {
  logRows ??= Float64Array.from({ length: SIGMA_ROWS }, (_, i) => Math.log(scoreSquaredMeanRow(rowSigma(i))));
  return logRows;
}

/** Builds the table now (it is otherwise built on first use) and returns the milliseconds it took, 0 if already built. */
export function buildTorusTable(): number {
  if (logRows) return 0;
  const start = performance.now();
  torusRows();
  return performance.now() - start;
}

/**
 * E[score²] under the wrapped normal (σ) — the mean square itself, not its root: DiffDock and
 * torsional diffusion divide torsion losses by it. Interpolated log-linearly in σ; → 1/σ² for small σ.
 */
export function torusScoreSquaredMean(sigma: number): number {
  if (!(sigma >= TORUS_SIGMA_MIN && sigma <= TORUS_SIGMA_MAX)) {
    throw new Error(`wrapped normal sigma must lie in the table range [${TORUS_SIGMA_MIN}, ${TORUS_SIGMA_MAX}], got ${sigma}`);
  }
  const table = torusRows();
  const x = (Math.log(sigma / TORUS_SIGMA_MIN) / Math.log(TORUS_SIGMA_MAX / TORUS_SIGMA_MIN)) * (SIGMA_ROWS - 1);
  const i = Math.min(Math.floor(x), SIGMA_ROWS - 2);
  const t = x - i;
  return Math.exp((1 - t) * table[i]! + t * table[i + 1]!);
}
