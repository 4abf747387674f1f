/**
 * Rigid motions of point sets on flat coordinates (x, y, z of atom i at 3i…3i+2): 3-vectors,
 * rotation matrices, rotation vectors (the exponential map of SO(3)), unit quaternions, Kabsch
 * alignment and uniform random rotations.
 */
import type { Vec3 } from '../chem/molecule.js';
import { norm, scale, sub } from '../chem/vec3.js';
import type { Rng } from './random.js';

/** A 3×3 matrix stored row-major: M[3i + j] is row i, column j. */
export type Mat3 = Float64Array;

/** The nine entries of a 3×3 matrix, row-major, as a tuple to destructure. */
function entries(M: Mat3): [number, number, number, number, number, number, number, number, number] {
  if (M.length !== 9) throw new Error(`a 3×3 matrix has 9 entries, got ${M.length}`);
  return [M[0]!, M[1]!, M[2]!, M[3]!, M[4]!, M[5]!, M[6]!, M[7]!, M[8]!];
}

/** A rigid motion x ↦ R·x + t. */
export interface RigidTransform {
  R: Mat3;
  t: Vec3;
}

/** M·v. */
export function matVec(M: Mat3, v: Vec3): Vec3 {
  return [
    M[0]! * v[0] + M[1]! * v[1] + M[2]! * v[2],
    M[3]! * v[0] + M[4]! * v[1] + M[5]! * v[2],
    M[6]! * v[0] + M[7]! * v[1] + M[8]! * v[2],
  ];
}

/** A·B. */
export function matMul(A: Mat3, B: Mat3): Mat3 {
  const C = new Float64Array(9);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) C[3 * i + j] = A[3 * i]! * B[j]! + A[3 * i + 1]! * B[3 + j]! + A[3 * i + 2]! * B[6 + j]!;
  }
  return C;
}

/** Mᵀ. */
export function transpose(M: Mat3): Mat3 {
  return Float64Array.of(M[0]!, M[3]!, M[6]!, M[1]!, M[4]!, M[7]!, M[2]!, M[5]!, M[8]!);
}

/** det M. */
export function determinant(M: Mat3): number {
  return M[0]! * (M[4]! * M[8]! - M[5]! * M[7]!) - M[1]! * (M[3]! * M[8]! - M[5]! * M[6]!) + M[2]! * (M[3]! * M[7]! - M[4]! * M[6]!);
}

/**
 * Rodrigues' formula R = exp([v]×) = I + (sin θ/θ)·K + ((1 − cos θ)/θ²)·K², θ = |v|, K = [v]×.
 * (1 − cos θ)/θ² is written 2·(sin(θ/2)/θ)², free of cancellation; below θ = 1e-8 the Taylor
 * series is used.
 */
export function rotvecToMatrix(v: Vec3): Mat3 {
  const theta = norm(v);
  const small = theta < 1e-8;
  const a = small ? 1 - theta * theta / 6 : Math.sin(theta) / theta;
  const b = small ? 0.5 - theta * theta / 24 : 2 * (Math.sin(theta / 2) / theta) ** 2;
  const [x, y, z] = v;
  // K² = v·vᵀ − θ²·I
  return Float64Array.of(
    1 + b * (x * x - theta * theta), -a * z + b * x * y, a * y + b * x * z,
    a * z + b * x * y, 1 + b * (y * y - theta * theta), -a * x + b * y * z,
    -a * y + b * x * z, a * x + b * y * z, 1 + b * (z * z - theta * theta),
  );
}

/** A unit quaternion (w, x, y, z) = (cos θ/2, sin θ/2 · axis). */
export type Quaternion = [number, number, number, number];

/** The rotation matrix of a unit quaternion. */
export function quaternionToMatrix([w, x, y, z]: Quaternion): Mat3 {
  return Float64Array.of(
    1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y),
    2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x),
    2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y),
  );
}

/**
 * The unit quaternion of a rotation matrix, with w ≥ 0 (Shepperd 1978: the square root is taken
 * of the largest of 4w², 4x², 4y², 4z², so the division is well conditioned, also near θ = π).
 */
export function matrixToQuaternion(R: Mat3): Quaternion {
  const [r00, r01, r02, r10, r11, r12, r20, r21, r22] = entries(R);
  const trace = r00 + r11 + r22;
  let q: Quaternion;
  if (trace >= r00 && trace >= r11 && trace >= r22) {
    const w = Math.sqrt(1 + trace) / 2;
    q = [w, (r21 - r12) / (4 * w), (r02 - r20) / (4 * w), (r10 - r01) / (4 * w)];
  } else if (r00 >= r11 && r00 >= r22) {
    const x = Math.sqrt(1 + r00 - r11 - r22) / 2;
    q = [(r21 - r12) / (4 * x), x, (r01 + r10) / (4 * x), (r02 + r20) / (4 * x)];
  } else if (r11 >= r22) {
    const y = Math.sqrt(1 - r00 + r11 - r22) / 2;
    q = [(r02 - r20) / (4 * y), (r01 + r10) / (4 * y), y, (r12 + r21) / (4 * y)];
  } else {
    const z = Math.sqrt(1 - r00 - r11 + r22) / 2;
    q = [(r10 - r01) / (4 * z), (r02 + r20) / (4 * z), (r12 + r21) / (4 * z), z];
  }
  const s = Math.sign(q[0]) || 1;
  return [s * q[0], s * q[1], s * q[2], s * q[3]];
}

/**
 * The rotation vector v = θ·axis of R, θ ∈ [0, π] (the logarithm of SO(3)), through the unit
 * quaternion: θ = 2·atan2(|q_xyz|, w), v = θ·q_xyz/|q_xyz| (→ 2·q_xyz/w as θ → 0). At θ = π
 * exactly, v and −v are the same rotation; either may be returned.
 */
export function matrixToRotvec(R: Mat3): Vec3 {
  const [w, x, y, z] = matrixToQuaternion(R);
  const s = Math.hypot(x, y, z);
  const f = s < 1e-12 ? 2 / w : 2 * Math.atan2(s, w) / s;
  return [f * x, f * y, f * z];
}

function checkCoords(coords: Float64Array, what = 'coords'): number {
  if (coords.length % 3 !== 0) throw new Error(`${what} must hold 3 numbers per atom, got length ${coords.length}`);
  return coords.length / 3;
}

/**
 * A new array with R·(x − center) + center for each listed atom (all atoms when `atoms` is
 * omitted); the other atoms are copied unchanged.
 */
export function applyRotation(R: Mat3, coords: Float64Array, center: Vec3 = [0, 0, 0], atoms?: ArrayLike<number>): Float64Array {
  const n = checkCoords(coords);
  const out = Float64Array.from(coords);
  const count = atoms ? atoms.length : n;
  for (let k = 0; k < count; k++) {
    const i = atoms ? atoms[k]! : k;
    if (!(i >= 0 && i < n)) throw new Error(`atom index ${i} out of range for ${n} atoms`);
    const p = matVec(R, [coords[3 * i]! - center[0], coords[3 * i + 1]! - center[1], coords[3 * i + 2]! - center[2]]);
    out[3 * i] = p[0] + center[0];
    out[3 * i + 1] = p[1] + center[1];
    out[3 * i + 2] = p[2] + center[2];
  }
  return out;
}

/** A new array with every atom moved by t. */
export function translate(coords: Float64Array, t: Vec3): Float64Array {
  checkCoords(coords);
  const out = Float64Array.from(coords);
  for (let k = 0; k < out.length; k++) out[k]! += t[k % 3]!;
  return out;
}

/** The mean position of the listed atoms (all atoms when `atoms` is omitted). */
export function centroid(coords: Float64Array, atoms?: ArrayLike<number>): Vec3 {
  const n = checkCoords(coords);
  const count = atoms ? atoms.length : n;
  if (count === 0) throw new Error('centroid of no atoms');
  const c: Vec3 = [0, 0, 0];
  for (let k = 0; k < count; k++) {
    const i = atoms ? atoms[k]! : k;
    if (!(i >= 0 && i < n)) throw new Error(`atom index ${i} out of range for ${n} atoms`);
    c[0] += coords[3 * i]!;
    c[1] += coords[3 * i + 1]!;
    c[2] += coords[3 * i + 2]!;
  }
  return scale(c, 1 / count);
}

/**
 * The eigenvector of the largest eigenvalue of a symmetric 4×4 matrix (row-major), by cyclic
 * Jacobi rotations (Numerical Recipes §11.1).
 */
function topEigenvector4(A: Float64Array): Quaternion {
  const V = Float64Array.of(1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1);
  const scaleSq = A.reduce((s, a) => s + a * a, 0);
  for (let sweep = 0; sweep < 50; sweep++) {
    let off = 0;
    for (let p = 0; p < 4; p++) for (let q = p + 1; q < 4; q++) off += A[4 * p + q]! ** 2;
    if (off <= 1e-32 * scaleSq) break;
    for (let p = 0; p < 4; p++) {
      for (let q = p + 1; q < 4; q++) {
        const apq = A[4 * p + q]!;
        if (apq === 0) continue;
        const theta = (A[4 * q + q]! - A[4 * p + p]!) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        // A ← Jᵀ·A·J and V ← V·J with J the rotation in the (p, q) plane.
        for (let k = 0; k < 4; k++) {
          const akp = A[4 * k + p]!, akq = A[4 * k + q]!;
          A[4 * k + p] = c * akp - s * akq;
          A[4 * k + q] = s * akp + c * akq;
          const vkp = V[4 * k + p]!, vkq = V[4 * k + q]!;
          V[4 * k + p] = c * vkp - s * vkq;
          V[4 * k + q] = s * vkp + c * vkq;
        }
        for (let k = 0; k < 4; k++) {
          const apk = A[4 * p + k]!, aqk = A[4 * q + k]!;
          A[4 * p + k] = c * apk - s * aqk;
          A[4 * q + k] = s * apk + c * aqk;
        }
      }
    }
  }
  let best = 0;
  for (let k = 1; k < 4; k++) if (A[5 * k]! > A[5 * best]!) best = k;
  return [V[best]!, V[4 + best]!, V[8 + best]!, V[12 + best]!];
}

/**
 * The proper rotation R (det +1) and translation t minimising Σ|R·mobile_i + t − target_i|² over
 * the listed atoms (all when omitted): Horn's (1987) closed form. With centred a = mobile − ā,
 * b = target − b̄ and S = Σ a·bᵀ, the optimal R is the rotation of the unit quaternion that is the
 * top eigenvector of Horn's symmetric 4×4 matrix N(S); t = b̄ − R·ā. The quaternion route never
 * returns a reflection and stays well defined for planar and collinear sets (for a collinear set
 * the spin about the line is arbitrary).
 */
export function kabsch(mobile: Float64Array, target: Float64Array, atoms?: ArrayLike<number>): RigidTransform {
  const n = checkCoords(mobile, 'mobile');
  if (checkCoords(target, 'target') !== n) throw new Error(`kabsch: mobile has ${n} atoms but target has ${target.length / 3}`);
  const ca = centroid(mobile, atoms);
  const cb = centroid(target, atoms);
  const S = new Float64Array(9);
  const count = atoms ? atoms.length : n;
  for (let k = 0; k < count; k++) {
    const i = atoms ? atoms[k]! : k;
    for (let r = 0; r < 3; r++) {
      const a = mobile[3 * i + r]! - ca[r]!;
      for (let c = 0; c < 3; c++) S[3 * r + c]! += a * (target[3 * i + c]! - cb[c]!);
    }
  }
  const [xx, xy, xz, yx, yy, yz, zx, zy, zz] = entries(S);
  const N = Float64Array.of(
    xx + yy + zz, yz - zy, zx - xz, xy - yx,
    yz - zy, xx - yy - zz, xy + yx, zx + xz,
    zx - xz, xy + yx, -xx + yy - zz, yz + zy,
    xy - yx, zx + xz, yz + zy, -xx - yy + zz,
  );
  const q = topEigenvector4(N);
  const qn = Math.hypot(...q);
  const R = quaternionToMatrix([q[0] / qn, q[1] / qn, q[2] / qn, q[3] / qn]);
  return { R, t: sub(cb, matVec(R, ca)) };
}

/**
 * A rotation drawn uniformly (Haar measure) from SO(3): the rotation of q/|q| with q ~ N(0, I₄),
 * which is uniform on the unit 3-sphere.
 */
export function randomRotation(rng: Rng): Mat3 {
  for (;;) {
    const q: Quaternion = [rng.normal(), rng.normal(), rng.normal(), rng.normal()];
    const r = Math.hypot(...q);
    if (r > 1e-12) return quaternionToMatrix([q[0] / r, q[1] / r, q[2] / r, q[3] / r]);
  }
}
