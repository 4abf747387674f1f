// Image metrics: Jacobi eigen-solver, Fréchet distance, precision/recall, code usage, the classifier.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { Generator, liveTensors, randn, tensor, tidy, type Tensor } from '../../src/engine/index.js';
import {
  featureStats, frechetDistance, frechetDistanceFeatures, sqrtPsd, symmetricEigen, type GaussianStats,
} from '../../src/metrics/frechet.js';
import { kNNRadii, precisionRecall } from '../../src/metrics/precision-recall.js';
import { codeUsage } from '../../src/metrics/code-usage.js';
import {
  FMNIST_CLASSIFIER_PATH, ImageReference, classifierAccuracy, classifierFeatures, evaluateImages, loadFMNISTClassifier, type FMNISTClassifier,
} from '../../src/metrics/fmnist-classifier.js';
import { loadFashionMNISTTest } from '../../src/data/fashion-mnist.js';

/** A seeded random orthogonal n×n matrix (Gram-Schmidt of a Gaussian matrix), row-major. */
function randomOrthogonal(n: number, seed: number): Float64Array {
  const g = new Generator(seed);
  const a = randn([n, n], { dtype: 'float64', generator: g });
  const v = a.dataSync() as Float64Array;
  a.dispose();
  g.dispose();
  const q = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const col = Array.from({ length: n }, (_, i) => v[i * n + j]!);
    for (let p = 0; p < j; p++) {
      const dot = col.reduce((s, x, i) => s + x * q[i * n + p]!, 0);
      col.forEach((_, i) => { col[i]! -= dot * q[i * n + p]!; });
    }
    const norm = Math.hypot(...col);
    col.forEach((x, i) => { q[i * n + j] = x / norm; });
  }
  return q;
}

/** Q diag(λ) Qᵀ */
function fromSpectrum(q: Float64Array, lambda: number[]): Float64Array {
  const n = lambda.length, out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) out[i * n + j]! += q[i * n + k]! * lambda[k]! * q[j * n + k]!;
  return out;
}

const close = (a: number, b: number, tol: number, what = '') => assert.ok(Math.abs(a - b) <= tol, `${what} ${a} vs ${b} (tol ${tol})`);

test('Jacobi eigen-solver: diagonal, 2×2, and a 30×30 matrix with a known spectrum', () => {
  const d = symmetricEigen([3, 0, 0, 0, -1, 0, 0, 0, 2], 3);
  assert.deepEqual([...d.values], [-1, 2, 3]);
  const t = symmetricEigen([2, 1, 1, 2], 2);
  close(t.values[0]!, 1, 1e-14);
  close(t.values[1]!, 3, 1e-14);
  close(Math.abs(t.vectors[0]! * t.vectors[2]!), 0.5, 1e-14, 'eigenvector (1, ±1)/√2');
  close(t.vectors[1]! * t.vectors[3]!, 0.5, 1e-14, 'eigenvector of 3 is (1, 1)/√2');
  const n = 30;
  const lambda = Array.from({ length: n }, (_, i) => (i - 10) * 0.37 + (i % 3) * 1e-3);
  const A = fromSpectrum(randomOrthogonal(n, 1), lambda);
  const { values, vectors: V } = symmetricEigen(A, n);
  const sorted = [...lambda].sort((a, b) => a - b);
  values.forEach((v, i) => close(v, sorted[i]!, 1e-12, `λ${i}`));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let av = 0, vtv = 0;
      for (let k = 0; k < n; k++) {
        av += A[i * n + k]! * V[k * n + j]!;
        vtv += V[k * n + i]! * V[k * n + j]!;
      }
      close(av, V[i * n + j]! * values[j]!, 1e-11, `(AV − VΛ)[${i},${j}]`);
      close(vtv, i === j ? 1 : 0, 1e-12, `(VᵀV)[${i},${j}]`);
    }
  }
  assert.throws(() => symmetricEigen([1, 2, 3, 4], 2), /not symmetric/);
  assert.throws(() => symmetricEigen([1, 2, 3], 2), /do not make a 2×2 matrix/);
});

test('sqrtPsd: S² = A for a PSD matrix; tiny negative round-off eigenvalues are clipped', () => {
  const n = 12;
  const A = fromSpectrum(randomOrthogonal(n, 2), Array.from({ length: n }, (_, i) => (i === 0 ? -1e-15 : i * 0.5)));
  const S = sqrtPsd(A, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s2 = 0;
      for (let k = 0; k < n; k++) s2 += S[i * n + k]! * S[k * n + j]!;
      close(s2, A[i * n + j]!, 1e-11, `S²[${i},${j}]`);
    }
  }
});

const stats = (mu: number[], cov: ArrayLike<number>): GaussianStats => ({ mu: Float64Array.from(mu), cov: Float64Array.from(cov), d: mu.length });

test('Fréchet distance: closed forms for diagonal, commuting and non-commuting covariances', () => {
  // Diagonal: ‖μ1 − μ2‖² + Σ (√a − √b)².
  const a = [1, 4, 0.25, 2], b = [9, 1, 0.25, 0.5], mu1 = [0, 1, 2, 3], mu2 = [1, 1, 0, 3];
  const diag = (v: number[]) => Float64Array.from({ length: v.length ** 2 }, (_, i) => (i % (v.length + 1) ? 0 : v[i / (v.length + 1)]!));
  const expected = 1 + 4 + a.reduce((s, x, i) => s + (Math.sqrt(x) - Math.sqrt(b[i]!)) ** 2, 0);
  close(frechetDistance(stats(mu1, diag(a)), stats(mu2, diag(b))), expected, 1e-12, 'diagonal');
  // Same eigenvectors (commuting), non-diagonal: the same formula in the rotated basis.
  const q = randomOrthogonal(4, 3);
  close(frechetDistance(stats(mu1, fromSpectrum(q, a)), stats(mu2, fromSpectrum(q, b))), expected, 1e-11, 'commuting');
  // Non-commuting 2×2: Tr (C1^{1/2} C2 C1^{1/2})^{1/2} = √(Tr(C1 C2) + 2 √(det C1 det C2)).
  const C1 = [2, 0.5, 0.5, 1], C2 = [1, -0.3, -0.3, 3];
  const trC1C2 = C1[0]! * C2[0]! + 2 * C1[1]! * C2[1]! + C1[3]! * C2[3]!;
  const det = (c: number[]) => c[0]! * c[3]! - c[1]! * c[2]!;
  const fd2 = 3 + 4 - 2 * Math.sqrt(trC1C2 + 2 * Math.sqrt(det(C1) * det(C2)));
  close(frechetDistance(stats([0, 0], C1), stats([0, 0], C2)), fd2, 1e-12, 'non-commuting 2×2');
  assert.throws(() => frechetDistance(stats([0], [1]), stats([0, 0], C2)), /dimensions differ/);
});

test('Fréchet distance of feature sets: ≈ 0 with itself, ≈ closed form for sampled Gaussians', () => tidy(() => {
  const g = new Generator(4);
  const f = randn([2000, 8], { generator: g }).mul(tensor([1, 2, 0.5, 1, 1, 3, 1, 1]));
  close(frechetDistanceFeatures(f, f), 0, 1e-8, 'FD(f, f)');
  const h = randn([20000, 8], { generator: g }).mul(2).add(1); // N(1, 4 I)
  const k = randn([20000, 8], { generator: g }); // N(0, I): FD = 8·1 + 8·(2 − 1)² = 16
  close(frechetDistanceFeatures(h, k), 16, 0.4, 'FD sampled');
  const s = featureStats(h);
  close(s.mu[0]!, 1, 0.05, 'mean');
  close(s.cov[0]!, 4, 0.15, 'variance');
  assert.throws(() => featureStats(randn([1, 3])), /expects features \[N ≥ 2, d\]/);
  g.dispose();
}));

test('precision/recall: k-NN radii, identical sets, disjoint sets, mode collapse', () => tidy(() => {
  assert.deepEqual(kNNRadii(tensor([[0], [1], [3], [7]]), 1).toFlatArray(), [1, 1, 4, 16]);
  assert.deepEqual(kNNRadii(tensor([[0], [1], [3], [7]]), 2).toFlatArray(), [9, 4, 9, 36]);
  const g = new Generator(5);
  const real = randn([600, 4], { generator: g });
  assert.deepEqual(precisionRecall(real, real), { precision: 1, recall: 1 });
  assert.deepEqual(precisionRecall(real, real.add(100)), { precision: 0, recall: 0 });
  const collapsed = randn([600, 4], { generator: g }).mul(0.05); // all samples near one mode
  const pr = precisionRecall(real, collapsed);
  assert.ok(pr.precision > 0.95 && pr.recall < 0.2, JSON.stringify(pr));
  const fresh = precisionRecall(real, randn([600, 4], { generator: g }));
  assert.ok(fresh.precision > 0.6 && fresh.recall > 0.6, JSON.stringify(fresh));
  g.dispose();
}));

test('code usage: distinct codes and perplexity per latent', () => tidy(() => {
  const u = codeUsage(tensor([[0, 1], [0, 2], [1, 2], [3, 2]], { dtype: 'int64' }), 4);
  assert.deepEqual(u.used, [3, 2]);
  assert.deepEqual(u.counts, [[2, 1, 0, 1], [0, 1, 3, 0]]);
  close(u.perplexity[0]!, Math.exp(-(0.5 * Math.log(0.5) + 2 * 0.25 * Math.log(0.25))), 1e-12);
  assert.throws(() => codeUsage(tensor([[5]], { dtype: 'int64' }), 4), /outside 0\.\.3/);
}));

test('Fashion-MNIST classifier: committed weights, accuracy, features, FD-FMNIST', () => tidy(() => {
  assert.ok(existsSync(FMNIST_CLASSIFIER_PATH), 'assets/fmnist-classifier.safetensors is committed');
  const clf = loadFMNISTClassifier();
  const test = loadFashionMNISTTest();
  const x = test.x.slice(0, 0, 2000), y = test.labels!.slice(0, 0, 2000);
  assert.ok(classifierAccuracy(clf, x, y) >= 0.9);
  assert.deepEqual(classifierFeatures(clf, x.slice(0, 0, 3)).shape, [3, 128]);
  // Two halves of the test set are close; noise images are far.
  const a = x.slice(0, 0, 1000), b = x.slice(0, 1000, 2000);
  const same = evaluateImages(a, b, { classifier: clf });
  // A reference made once gives the same numbers as the images it was made from, and refuses other image sizes.
  const ref = ImageReference.of(b, { classifier: clf });
  assert.deepEqual(evaluateImages(a, ref), same);
  assert.throws(() => evaluateImages(a.slice(2, 0, 16).slice(3, 0, 16), ref), /samples are \[1,16,16\] images, the reference \[1,32,32\]/);
  const noise = evaluateImages(randn([1000, 1, 32, 32]).clamp(-1, 1), ref);
  assert.ok(same.fdFmnist * 20 < noise.fdFmnist, `FD ${same.fdFmnist} vs noise ${noise.fdFmnist}`);
  assert.ok(same.precision > 0.8 && same.recall > 0.8 && noise.recall < 0.05, JSON.stringify({ same, noise }));
  // Recognisable (max class probability ≥ 0.9): most real images, the same share for both halves.
  assert.ok(same.recognisable.samples > 0.7 && Math.abs(same.recognisable.samples - same.recognisable.reference) < 0.05,
    JSON.stringify(same.recognisable));
  assert.equal(noise.recognisable.reference, same.recognisable.reference);
  const shareByHand = tidy(() => clf.forward(a).softmax(1).max(1).ge(0.9).sum().item() / a.size(0));
  assert.ok(Math.abs(same.recognisable.samples - shareByHand) < 1e-6, `${same.recognisable.samples} vs ${shareByHand}`);
  // One class only (mode dropping): realistic samples, poor coverage.
  const idx = y.slice(0, 0, 1000).toFlatArray().flatMap((c, i) => (c === 1 ? [i] : []));
  const trousers = a.indexSelect(0, tensor(idx, { dtype: 'int64' }));
  const one = evaluateImages(trousers, ref);
  assert.ok(one.precision > 0.8 && one.recall < 0.3, JSON.stringify(one));
  ref.dispose();
  clf.dispose();
  test.x.dispose();
  test.labels!.dispose();
}));

test('classifierFeatures frees each batch before the next: only its features stay (one tensor a batch)', () => {
  const live: number[] = [];
  // A stand-in classifier that makes four temporaries per batch and notes the live tensors as it starts one.
  const clf = { features: (x: Tensor) => { live.push(liveTensors()); return x.flatten(1).mul(2).add(1).slice(1, 0, 4); } };
  tidy(() => {
    const f = classifierFeatures(clf as unknown as FMNISTClassifier, randn([10, 1, 4, 4]), 2);
    assert.deepEqual(f.shape, [10, 4]);
  });
  assert.deepEqual(live.slice(1).map((n, i) => n - live[i]!), [1, 1, 1, 1]);
});

test('rowMajorityShare: 1 for single-class rows, the majority share otherwise', async () => {
  const { rowMajorityShare } = await import('../../src/metrics/fmnist-classifier.js');
  assert.equal(rowMajorityShare([3, 3, 3, 3, 1, 1, 1, 1], 4), 1);
  assert.equal(rowMajorityShare([3, 3, 2, 1, 0, 1, 2, 3], 4), (0.5 + 0.25) / 2);
});
