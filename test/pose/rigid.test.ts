import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scale } from '../../src/chem/vec3.js';
import type { Vec3 } from '../../src/chem/molecule.js';
import { Rng } from '../../src/pose/random.js';
import {
  applyRotation, centroid, determinant, kabsch, matMul, matrixToRotvec, matVec, randomRotation, rotvecToMatrix,
  translate, transpose, type Mat3,
} from '../../src/pose/rigid.js';

function closeArray(a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what = ''): void {
  assert.equal(a.length, b.length, `${what}: lengths differ`);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= tol, `${what}[${i}]: ${a[i]} vs ${b[i]}`);
}

function assertRotation(R: Mat3, tol = 1e-12): void {
  closeArray(matMul(R, transpose(R)), [1, 0, 0, 0, 1, 0, 0, 0, 1], tol, 'R·Rᵀ');
  assert.ok(Math.abs(determinant(R) - 1) <= tol, `det R = ${determinant(R)}`);
}

/** exp(K) by its Taylor series, an independent check of Rodrigues' formula. */
function expSeries(v: Vec3): Mat3 {
  const K = Float64Array.of(0, -v[2], v[1], v[2], 0, -v[0], -v[1], v[0], 0);
  let term: Mat3 = Float64Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1);
  const sum = Float64Array.from(term);
  for (let k = 1; k < 40; k++) {
    term = matMul(term, K).map((x) => x / k);
    for (let i = 0; i < 9; i++) sum[i]! += term[i]!;
  }
  return sum;
}

function unitVector(rng: Rng): Vec3 {
  const z = rng.normal3();
  return scale(z, 1 / Math.hypot(...z));
}

function randomCloud(rng: Rng, n: number, flat = false): Float64Array {
  const x = new Float64Array(3 * n);
  for (let i = 0; i < 3 * n; i++) x[i] = flat && i % 3 === 2 ? 0 : 3 * rng.normal();
  return x;
}

function rmsd(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(s / (a.length / 3));
}

test('rotvecToMatrix: a quarter turn about z maps x to y, and agrees with the exponential series', () => {
  closeArray(rotvecToMatrix([0, 0, Math.PI / 2]), [0, -1, 0, 1, 0, 0, 0, 0, 1], 1e-15, 'Rz(π/2)');
  closeArray(matVec(rotvecToMatrix([0, 0, Math.PI / 2]), [1, 0, 0]), [0, 1, 0], 1e-15, 'Rz·x');
  const rng = new Rng(1);
  for (const theta of [0, 1e-10, 1e-4, 0.7, 2, 3.1]) {
    const v = scale(unitVector(rng), theta);
    closeArray(rotvecToMatrix(v), expSeries(v), 1e-14, `θ=${theta}`);
    assertRotation(rotvecToMatrix(v));
  }
});

test('matrixToRotvec inverts rotvecToMatrix for tiny angles, ordinary ones and π − ε', () => {
  const rng = new Rng(2);
  for (const theta of [0, 1e-14, 1e-9, 1e-6, 1e-3, 0.5, 1.5, 2.5, Math.PI - 1e-4, Math.PI - 1e-8, Math.PI - 1e-12]) {
    for (let k = 0; k < 5; k++) {
      const v = scale(unitVector(rng), theta);
      const back = matrixToRotvec(rotvecToMatrix(v));
      // absolute error ~1e-15 near π; relative ~1e-15 near 0
      closeArray(back, v, theta < 1e-3 ? 1e-12 * Math.max(theta, 1e-300) + 1e-300 : 1e-10, `θ=${theta}`);
    }
  }
});

test('matrixToRotvec at exactly π returns a rotation vector of length π for the same rotation', () => {
  for (const axis of [[1, 0, 0], [0, 1, 0], [0, 0, 1], [1 / Math.sqrt(3), -1 / Math.sqrt(3), 1 / Math.sqrt(3)]] as Vec3[]) {
    const R = rotvecToMatrix(scale(axis, Math.PI));
    const v = matrixToRotvec(R);
    assert.ok(Math.abs(Math.hypot(...v) - Math.PI) < 1e-12);
    closeArray(rotvecToMatrix(v), R, 1e-12, 'R(v)');
  }
});

test('applyRotation turns about the centre and only the listed atoms; centroid and translate', () => {
  const x = Float64Array.of(1, 0, 0, 2, 0, 0, 0, 0, 5);
  const R = rotvecToMatrix([0, 0, Math.PI / 2]);
  closeArray(applyRotation(R, x, [1, 0, 0]), [1, 0, 0, 1, 1, 0, 1, -1, 5], 1e-15, 'about (1,0,0)');
  closeArray(applyRotation(R, x, [0, 0, 0], [1]), [1, 0, 0, 0, 2, 0, 0, 0, 5], 1e-15, 'atom 1 only');
  closeArray(centroid(x), [1, 0, 5 / 3], 1e-15, 'centroid');
  assert.deepEqual(centroid(x, [0, 1]), [1.5, 0, 0]);
  assert.deepEqual([...translate(x, [1, 2, 3])], [2, 2, 3, 3, 2, 3, 1, 2, 8]);
  assert.throws(() => centroid(x, []), /no atoms/);
  assert.throws(() => centroid(x, [3]), /out of range/);
  assert.throws(() => applyRotation(R, new Float64Array(4)), /3 numbers per atom/);
  assert.throws(() => applyRotation(R, x, [0, 0, 0], [5]), /atom index 5 out of range for 3 atoms/);
});

test('kabsch recovers a known rotation and translation exactly, also for a planar set', () => {
  const rng = new Rng(3);
  for (const flat of [false, true]) {
    for (const theta of [0, 0.3, 2, Math.PI - 1e-3]) {
      const mobile = randomCloud(rng, flat ? 5 : 12, flat);
      const R0 = rotvecToMatrix(scale(unitVector(rng), theta));
      const t0: Vec3 = [1.5, -2, 7];
      const target = translate(applyRotation(R0, mobile), t0);
      const { R, t } = kabsch(mobile, target);
      closeArray(R, R0, 1e-10, `R (flat=${flat}, θ=${theta})`);
      closeArray(t, t0, 1e-9, 't');
      assertRotation(R);
    }
  }
});

test('kabsch on a collinear set superposes it exactly, and uses only the listed atoms', () => {
  const rng = new Rng(4);
  const line = Float64Array.of(0, 0, 0, 1, 1, 1, 3, 3, 3, -2, -2, -2);
  const R0 = randomRotation(rng);
  const target = translate(applyRotation(R0, line), [1, 2, 3]);
  const { R, t } = kabsch(line, target);
  assertRotation(R);
  assert.ok(rmsd(translate(applyRotation(R, line), t), target) < 1e-12);

  const mobile = randomCloud(rng, 8);
  const moved = translate(applyRotation(R0, mobile), [0, 1, 0]);
  moved.fill(99, 0, 6); // atoms 0 and 1 are spoiled and left out
  const fit = kabsch(mobile, moved, [2, 3, 4, 5, 6, 7]);
  closeArray(fit.R, R0, 1e-10, 'R from atoms 2…7');
  assert.throws(() => kabsch(mobile, new Float64Array(9)), /8 atoms but target has 3/);
});

test('kabsch against a mirror image returns a proper rotation that is a local RMSD minimum', () => {
  const rng = new Rng(5);
  const mobile = randomCloud(rng, 10);
  const mirrored = Float64Array.from(mobile, (v, i) => (i % 3 === 2 ? -v : v));
  const { R, t } = kabsch(mobile, mirrored);
  assertRotation(R);
  const fitted = translate(applyRotation(R, mobile), t);
  const best = rmsd(fitted, mirrored);
  assert.ok(best > 0.1, 'a reflection cannot be superposed by a rotation');
  for (let k = 0; k < 50; k++) {
    const tried = applyRotation(rotvecToMatrix(scale(unitVector(rng), 1e-3)), fitted, centroid(fitted));
    assert.ok(rmsd(tried, mirrored) >= best - 1e-12, 'a nearby rotation fits better');
  }
});

test('randomRotation is uniform on SO(3): E[R] = 0, E[R_ij²] = 1/3, E[(tr R)²] = 1', () => {
  const rng = new Rng(6);
  const n = 20000;
  const mean = new Float64Array(9);
  const meanSq = new Float64Array(9);
  let trSq = 0;
  for (let k = 0; k < n; k++) {
    const R = randomRotation(rng);
    if (k < 20) assertRotation(R);
    for (let i = 0; i < 9; i++) {
      mean[i]! += R[i]! / n;
      meanSq[i]! += R[i]! ** 2 / n;
    }
    trSq += (R[0]! + R[4]! + R[8]!) ** 2 / n;
  }
  closeArray(mean, new Float64Array(9), 0.02, 'E[R]');
  closeArray(meanSq, new Float64Array(9).fill(1 / 3), 0.02, 'E[R²]');
  assert.ok(Math.abs(trSq - 1) < 0.06, `E[(tr R)²] = ${trSq}`);
});
