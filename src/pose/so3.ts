/**
 * IGSO(3), the isotropic Gaussian on SO(3) (Nikolayev & Savyolov 1970; Leach et al. 2022), as the
 * rotational noise of a ligand pose in DiffDock (Corso et al., ICLR 2023).
 *
 * A rotation is the rotation vector ω·n: angle ω ∈ [0, π], axis n uniform on the sphere. Against the
 * Haar measure its density is the heat kernel
 *   f(ω; σ) = Σ_{l≥0} (2l + 1) e^{−l(l+1)σ²/2} sin((l + ½)ω) / sin(ω/2),
 * and the angle alone has the density p(ω; σ) = (1 − cos ω)/π · f(ω; σ) on [0, π].
 * Everything below goes through the numerator F(ω) = f(ω) sin(ω/2), which has no 0/0 at ω = 0:
 *   p = (2/π) sin(ω/2) F,   d/dω log f = F'/F − ½ cot(ω/2).
 */
import type { Rng } from './random.js';

/** Smallest σ of the sampling and score-norm tables (DiffDock's MIN_EPS). */
export const IGSO3_SIGMA_MIN = 5e-4;
/** Largest σ of the sampling and score-norm tables (DiffDock's MAX_EPS). */
export const IGSO3_SIGMA_MAX = 4;

const SERIES_MIN_SIGMA = 1;  // F by the series from here up; below, the closed form, exact there while the series cancels near π
const SERIES_MAX_L = 2000;   // DiffDock's truncation of the series
const SERIES_TOL = 1e-20;    // the series stops earlier once a term's bound (2l+1)(l+½)e^{−l(l+1)σ²/2} is below this
const CDF_ROWS = 400;        // log-spaced σ rows of the ω CDF table
const CDF_STEPS = 2000;      // ω intervals per CDF row
const NORM_ROWS = 2000;      // log-spaced σ rows of the score-norm table
const NORM_STEPS = 100;      // ω intervals per score-norm row (the trapezoid rule converges spectrally here)
const TAIL_SIGMAS = 10;      // a row's ω grid ends at min(π, 10σ): the mass beyond is below 1e-20

/** F(ω) = e^{logScale}·value and F'(ω) = e^{logScale}·slope (the scale keeps small-σ values from underflowing). */
export interface Igso3Numerator {
  logScale: number;
  value: number;
  slope: number;
}

/**
 * F by the series (DiffDock's `_expansion`), Σ_{l<2000} (2l + 1) e^{−l(l+1)σ²/2} sin((l + ½)ω), stopping
 * once the terms vanish. Exact for σ ≳ 0.005, but near ω = π it is a sum of O(1) terms
 * cancelling down to f ~ e^{−π²/(2σ²)}, so it loses relative precision as σ shrinks.
 */
export function igso3NumeratorSeries(omega: number, sigma: number): Igso3Numerator {
  let value = 0;
  let slope = 0;
  for (let l = 0; l < SERIES_MAX_L; l++) {
    const k = l + 0.5;
    const weight = (2 * l + 1) * Math.exp((-l * (l + 1) * sigma * sigma) / 2);
    if (weight * k < SERIES_TOL) break;
    value += weight * Math.sin(k * omega);
    slope += weight * k * Math.cos(k * omega);
  }
  return { logScale: 0, value, slope };
}

/**
 * F in closed form, by Poisson summation of the series over l (Leach et al. 2022, images m = −1, 0, 1):
 *   F(ω) = e^{σ²/8} √(2π) σ^{−3} Σ_m (−1)^m (ω − 2πm) e^{−(ω − 2πm)²/(2σ²)}.
 * The sum over all m is exact; on [0, π] the dropped images |m| ≥ 2 weigh below e^{−4π²/σ²} relative
 * (1e-17 at σ = 1). Its m = 0 term is the small-σ limit: ω distributed like |N(0, σ²I₃)|.
 */
export function igso3NumeratorClosedForm(omega: number, sigma: number): Igso3Numerator {
  const s2 = sigma * sigma;
  let value = 0;
  let slope = 0;
  for (let m = -1; m <= 1; m++) {
    const u = omega - 2 * Math.PI * m;
    const image = (m === 0 ? 1 : -1) * Math.exp(-(u * u - omega * omega) / (2 * s2));  // relative to e^{−ω²/(2σ²)}
    value += image * u;
    slope += image * (1 - (u * u) / s2);
  }
  const logScale = s2 / 8 + 0.5 * Math.log(2 * Math.PI) - 3 * Math.log(sigma) - (omega * omega) / (2 * s2);
  return { logScale, value, slope };
}

/** F by whichever form is exact to double precision at this σ. */
function numerator(omega: number, sigma: number): Igso3Numerator {
  return sigma < SERIES_MIN_SIGMA ? igso3NumeratorClosedForm(omega, sigma) : igso3NumeratorSeries(omega, sigma);
}

function checkSigma(sigma: number): void {
  if (!(sigma > 0) || !Number.isFinite(sigma)) throw new Error(`IGSO(3) sigma must be a positive finite number, got ${sigma}`);
}

/** p(ω) = (2/π) sin(ω/2) F(ω). */
function densityOf(F: Igso3Numerator, omega: number): number {
  return (2 / Math.PI) * Math.sin(omega / 2) * F.value * Math.exp(F.logScale);
}

/** d/dω log f = F'/F − ½ cot(ω/2), for ω ∈ (0, π]; its rounding error grows like 1e-16/ω as ω → 0, where it tends to 0. */
function dLogFOf(F: Igso3Numerator, omega: number): number {
  return F.slope / F.value - 0.5 / Math.tan(omega / 2);
}

/** The angle density p(ω; σ) = (1 − cos ω)/π · f(ω; σ), normalised over ω ∈ [0, π]. */
export function igso3Density(omega: number, sigma: number): number {
  checkSigma(sigma);
  if (!(omega >= 0 && omega <= Math.PI)) throw new Error(`IGSO(3) angle must lie in [0, pi], got ${omega}`);
  return densityOf(numerator(omega, sigma), omega);
}

/**
 * The score of IGSO(3)(σ) at the rotation R = exp(rotvec): n · d/dω log f(ω; σ), with ω = |rotvec| and
 * n = rotvec/ω — DiffDock's `score_vec`, the gradient of log f and not of log p.
 * Why f: the reverse SDE on SO(3) needs the Riemannian gradient of the log-density against the Haar
 * measure (the group's volume), and f is that density; p also carries (1 − cos ω)/π, the Haar volume
 * of the shell of angle ω, which is no part of it. As f is a class function, its gradient in the Lie
 * algebra is the same for a left (exp(ξ)R) and a right (R exp(ξ)) perturbation, and d/dξ ω = n, so an
 * update applied as either multiplication by exp(Δ) is correct. A vector longer than π is the rotation
 * by its angle mod 2π; past π that is 2π − ω about −n, and f(2π − ω) = f(ω) keeps the formula.
 */
export function igso3Score(rotvec: readonly [number, number, number], sigma: number): [number, number, number] {
  checkSigma(sigma);
  const omega = Math.hypot(rotvec[0], rotvec[1], rotvec[2]);
  if (!Number.isFinite(omega)) throw new Error(`IGSO(3) rotation vector must be finite, got [${rotvec.join(', ')}]`);
  const theta = omega % (2 * Math.PI);
  if (theta === 0) return [0, 0, 0];
  const angle = Math.min(theta, 2 * Math.PI - theta);
  const g = (theta <= Math.PI ? 1 : -1) * dLogFOf(numerator(angle, sigma), angle);
  return [(rotvec[0] / omega) * g, (rotvec[1] / omega) * g, (rotvec[2] / omega) * g];
}

/** The ω grid of one σ row: `steps` intervals of width h over [0, min(π, TAIL_SIGMAS·σ)]. */
function rowStep(sigma: number, steps: number): number {
  return Math.min(Math.PI, TAIL_SIGMAS * sigma) / steps;
}

/** The i-th of `rows` σ values log-spaced over [IGSO3_SIGMA_MIN, IGSO3_SIGMA_MAX]. */
function rowSigma(i: number, rows: number): number {
  return IGSO3_SIGMA_MIN * (IGSO3_SIGMA_MAX / IGSO3_SIGMA_MIN) ** (i / (rows - 1));
}

/** The lower row i of σ's bracket in a table of `rows` rows and σ's position t ∈ [0, 1] from row i to i + 1 in log σ. */
function bracket(sigma: number, rows: number): { i: number; t: number } {
  if (!(sigma >= IGSO3_SIGMA_MIN && sigma <= IGSO3_SIGMA_MAX)) {
    throw new Error(`IGSO(3) sigma must lie in the table range [${IGSO3_SIGMA_MIN}, ${IGSO3_SIGMA_MAX}], got ${sigma}`);
  }
  const x = (Math.log(sigma / IGSO3_SIGMA_MIN) / Math.log(IGSO3_SIGMA_MAX / IGSO3_SIGMA_MIN)) * (rows - 1);
  const i = Math.min(Math.floor(x), rows - 2);
  return { i, t: x - i };
}

/** The CDF of ω on one row's grid, by the trapezoid rule, rescaled to end at exactly 1. */
function cdfRow(sigma: number): Float64Array {
  const h = rowStep(sigma, CDF_STEPS);
  const cdf = new Float64Array(CDF_STEPS + 1);
  let before = 0;  // p(0) = 0
  for (let j = 1; j <= CDF_STEPS; j++) {
    const p = igso3Density(j * h, sigma);
    cdf[j] = cdf[j - 1]! + (h * (before + p)) / 2;
    before = p;
  }
  return cdf.map((c) => c / cdf[CDF_STEPS]!);
}

/**
 * log E[|score|²] = log ∫ (d/dω log f)² p dω by the trapezoid rule: p and the squared score are even and
 * 2π-periodic in ω, so the rule converges spectrally.
 */
function logScoreSquaredMeanRow(sigma: number): number {
  const h = rowStep(sigma, NORM_STEPS);
  let total = 0;  // the integrand → 0 at ω = 0
  for (let j = 1; j <= NORM_STEPS; j++) {
    const F = numerator(j * h, sigma);
    total += (j === NORM_STEPS ? 0.5 : 1) * dLogFOf(F, j * h) ** 2 * densityOf(F, j * h);
  }
  return Math.log(h * total);
}

let cdfTable: Float64Array[] | null = null;
let normTable: Float64Array | null = null;

/** The ω CDF rows, built on first use and kept for the process. */
function cdfRows(): Float64Array[] {
  cdfTable ??= Array.from({ length: CDF_ROWS }, (_, i) => cdfRow(rowSigma(i, CDF_ROWS)));
  return cdfTable;
}

/** log E[|score|²] per σ row, built on first use and kept for the process. */
function normRows(): Float64Array {
  normTable ??= Float64Array.from({ length: NORM_ROWS }, (_, i) => logScoreSquaredMeanRow(rowSigma(i, NORM_ROWS)));
  return normTable;
}

/** Builds both tables now (they are otherwise built on first use); returns the milliseconds it took, 0 if already built. */
export function buildIgso3Tables(): number {
  const start = performance.now();
  const built = cdfTable !== null && normTable !== null;
  cdfRows();
  normRows();
  return built ? 0 : performance.now() - start;
}

/** The inverse of one CDF row at u ∈ [0, 1), linear between grid points. */
function quantile(cdf: Float64Array, h: number, u: number): number {
  let lo = 0;
  let hi = CDF_STEPS;  // cdf[lo] ≤ u < cdf[hi]
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (cdf[mid]! <= u) lo = mid;
    else hi = mid;
  }
  return h * (lo + (u - cdf[lo]!) / (cdf[hi]! - cdf[lo]!));
}

/**
 * A rotation vector ω·n drawn from IGSO(3)(σ): ω by inverse-CDF sampling (one uniform draw; the
 * quantiles of the two neighbouring σ rows interpolated linearly in σ), then n uniform on the sphere
 * (a normalised normal3 draw).
 */
export function sampleIgso3(sigma: number, rng: Rng): [number, number, number] {
  const { i } = bracket(sigma, CDF_ROWS);
  const rows = cdfRows();
  const [lower, upper] = [rowSigma(i, CDF_ROWS), rowSigma(i + 1, CDF_ROWS)];
  const a = (sigma - lower) / (upper - lower);
  const u = rng.uniform();
  const omega = (1 - a) * quantile(rows[i]!, rowStep(lower, CDF_STEPS), u) + a * quantile(rows[i + 1]!, rowStep(upper, CDF_STEPS), u);
  const [x, y, z] = rng.normal3();
  const r = Math.hypot(x, y, z);
  return [(x / r) * omega, (y / r) * omega, (z / r) * omega];
}

/**
 * sqrt(E[|score|²]) under IGSO(3)(σ), interpolated log-linearly between σ rows; it tends to √3/σ as
 * σ → 0. DiffDock's `score_norm` is this divided by √π, a constant factor.
 */
export function igso3ScoreNorm(sigma: number): number {
  const { i, t } = bracket(sigma, NORM_ROWS);
  const rows = normRows();
  return Math.exp(((1 - t) * rows[i]! + t * rows[i + 1]!) / 2);
}
