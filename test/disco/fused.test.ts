// DisCo-Diff's fused CPU kernels (native/disco_ops.cc) against the TypeScript composites they
// replace on the CPU (src/disco/fused.ts): the same values and gradients, float64 and float32.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { F, Generator, eye, manualSeed, rand, randint, randn, setNumThreads, tensor, tidy, type DType, type Tensor } from '../../src/engine/index.js';
import { useFusedKernels } from '../../src/disco/fused.js';
import { gaussianSkip, type CodeGaussians } from '../../src/disco/gaussian-skip.js';
import { gumbelSoftmax } from '../../src/disco/gumbel.js';
import { emaRefit } from '../../src/disco/codebook/ema-refit.js';
import { refitMixtures } from '../../src/disco/codebook/code-mixtures.js';
import { refitCovariances } from '../../src/disco/codebook/code-covariances.js';
import { refitFullMixtures } from '../../src/disco/codebook/code-full-mixtures.js';
import { edmCoefficients } from '../../src/edm/precond.js';

before(() => setNumThreads(1));

/** f() under both paths: [fused, composite]. */
function bothPaths<T>(f: () => T): [T, T] {
  const was = useFusedKernels(true);
  try {
    const fused = f();
    useFusedKernels(false);
    return [fused, f()];
  } finally {
    useFusedKernels(was);
  }
}

function close(a: Tensor, b: Tensor, tol: number, what: string): void {
  assert.deepEqual(a.shape, b.shape, `${what}: shape`);
  const err = a.sub(b).abs().max().item();
  assert.ok(err <= tol, `${what}: fused and composite differ by ${err}`);
}

/** Values and the gradients of `inputs` of out = f() under a random cotangent, both paths. */
function valueAndGrads(f: () => Tensor, inputs: Tensor[]): [Tensor[], Tensor[]] {
  const probe = tidy(() => randn(f().shape, { dtype: inputs[0]!.dtype }));
  return bothPaths(() => {
    for (const t of inputs) t.setGrad(null);
    const out = f();
    out.mul(probe).sum().backward();
    return [out.detach(), ...inputs.map((t) => t.grad!.clone())];
  });
}

for (const dtype of ['float64', 'float32'] as DType[]) {
  const tol = dtype === 'float64' ? 1e-12 : 2e-5;
  const o = { dtype };

  test(`${dtype}: one Gaussian per code, fused skip = composite in value and in gradients (x, z, centres, log-stds), rows dropped`, () => tidy(() => {
    manualSeed(11);
    const B = 7, m = 2, k = 5, d = 3;
    const x = randn([B, 1, d], o).requiresGrad_(), sigma = rand([B, 1, 1], o).mul(3).add(0.01);
    const z = F.oneHot(randint(0, k, [B, m]), k).to(o).add(rand([B, m, k], o).mul(0.2)).requiresGrad_();
    const codes: CodeGaussians = { means: randn([m, k, d], o).requiresGrad_(), logStds: randn([m, k], o).mul(0.3).requiresGrad_() };
    const { cSkip } = edmCoefficients(sigma, 0.5);
    const drop = tensor([0, 1, 0, 0, 1, 0, 0]).gt(0);
    for (const dl of [undefined, drop]) {
      const [fused, plain] = valueAndGrads(() => gaussianSkip(x, sigma, cSkip, z, codes, dl), [x, z, codes.means!, codes.logStds!]);
      ['value', 'dx', 'dz', 'dμ', 'dlog s'].forEach((what, i) => close(fused[i]!, plain[i]!, tol * 10, what));
    }
  }));

  test(`${dtype}: a mixture per code, fused skip = composite in value and in the latents' gradient, rows dropped`, () => tidy(() => {
    manualSeed(12);
    const B = 6, m = 2, k = 3, c = 2, d = 2;
    const x = randn([B, d], o).mul(2), sigma = tensor([0.02, 0.3, 1, 3, 10, 0.5], o).view(B, 1);
    const z = F.oneHot(randint(0, k, [B, m]), k).to(o).requiresGrad_();
    const codes: CodeGaussians = { means: randn([m, k, d], o), logStds: randn([m, k], o), subMeans: randn([m, k, c, d], o).mul(2),
      subLogStds: randn([m, k, c], o).mul(0.3), subLogWeights: randn([m, k, c], o) };
    const { cSkip } = edmCoefficients(sigma, 0.5);
    for (const dl of [undefined, tensor([1, 0, 0, 1, 0, 0]).gt(0)]) {
      const [fused, plain] = valueAndGrads(() => gaussianSkip(x, sigma, cSkip, z, codes, dl), [z]);
      close(fused[0]!, plain[0]!, tol * 10, 'value');
      close(fused[1]!, plain[1]!, tol * 10, 'dz');
    }
  }));

  test(`${dtype}: a full covariance per code, fused skip = composite in value and in the latents' gradient, rows dropped`, () => tidy(() => {
    manualSeed(15);
    const B = 6, m = 2, k = 3, d = 3;
    const x = randn([B, d], o).mul(2), sigma = tensor([0.02, 0.3, 1, 3, 10, 0.5], o).view(B, 1);
    const z = F.oneHot(randint(0, k, [B, m]), k).to(o).add(rand([B, m, k], o).mul(0.1)).requiresGrad_();
    const A = randn([m, k, d, d], o);
    const codes: CodeGaussians = { means: randn([m, k, d], o), logStds: randn([m, k], o), cov: A.matmul(A.transpose(-1, -2)) };
    const { cSkip } = edmCoefficients(sigma, 0.5);
    for (const dl of [undefined, tensor([1, 0, 0, 1, 0, 0]).gt(0)]) {
      const [fused, plain] = valueAndGrads(() => gaussianSkip(x, sigma, cSkip, z, codes, dl), [z]);
      close(fused[0]!, plain[0]!, tol * 10, 'value');
      close(fused[1]!, plain[1]!, tol * 10, 'dz');
    }
  }));

  test(`${dtype}: a mixture of full Gaussians per code, fused skip = composite in value and in the latents' gradient, rows dropped`, () => tidy(() => {
    manualSeed(16);
    const B = 6, m = 2, k = 3, c = 2, d = 3;
    const x = randn([B, d], o).mul(2), sigma = tensor([0.02, 0.3, 1, 3, 10, 0.5], o).view(B, 1);
    const z = F.oneHot(randint(0, k, [B, m]), k).to(o).requiresGrad_();
    const A = randn([m, k, c, d, d], o).mul(0.5);
    const codes: CodeGaussians = { means: randn([m, k, d], o), logStds: randn([m, k], o), subMeans: randn([m, k, c, d], o).mul(2),
      subCov: A.matmul(A.transpose(-1, -2)), subLogWeights: randn([m, k, c], o) };
    const { cSkip } = edmCoefficients(sigma, 0.5);
    for (const dl of [undefined, tensor([1, 0, 0, 1, 0, 0]).gt(0)]) {
      const [fused, plain] = valueAndGrads(() => gaussianSkip(x, sigma, cSkip, z, codes, dl), [z]);
      close(fused[0]!, plain[0]!, tol * 100, 'value');
      close(fused[1]!, plain[1]!, tol * 100, 'dz');
    }
  }));

  test(`${dtype}: fused Gumbel-Softmax = composite for one generator seed (hard and soft, with and without noise), gradients too`, () => tidy(() => {
    manualSeed(13);
    const logits = randn([64, 3, 6], o).mul(2).requiresGrad_();
    for (const hard of [true, false]) {
      for (const noise of [1, 0.5, 0]) {
        const sample = () => gumbelSoftmax(logits, { tau: 0.7, hard, noise, generator: new Generator(5) });
        const [fused, plain] = valueAndGrads(sample, [logits]);
        close(fused[0]!, plain[0]!, hard ? 1e-6 : tol, `hard ${hard} noise ${noise}: value`);
        close(fused[1]!, plain[1]!, tol * 10, `hard ${hard} noise ${noise}: dlogits`);
      }
    }
  }));

  test(`${dtype}: fused EMA refits (one Gaussian, a mixture, a full covariance, a mixture of full Gaussians per code) = composite`, () => tidy(() => {
    manualSeed(14);
    const B = 200, m = 2, k = 4, c = 3, d = 2;
    const x = randn([B, d], o).mul(2), codes = randint(0, k - 1, [B, m]); // code k − 1 holds no point
    const start = { means: randn([m, k, d], o), logStds: randn([m, k], o).mul(0.2), subMeans: randn([m, k, c, d], o),
      subLogStds: randn([m, k, c], o).mul(0.2), subLogWeights: randn([m, k, c], o),
      cov: randn([m, k, d, d], o).matmul(randn([m, k, d, d], o).transpose(-1, -2)),
      fullMeans: randn([m, k, c, d], o), fullCov: randn([m, k, c, d, d], o).matmul(randn([m, k, c, d, d], o).transpose(-1, -2)).add(eye(d, o)),
      fullLogWeights: randn([m, k, c], o) };
    const [fused, plain] = bothPaths(() => {
      const t = Object.fromEntries(Object.entries(start).map(([n, v]) => [n, v.clone()])) as typeof start;
      emaRefit(t.means, t.logStds, x, codes, 0.9, 1e-3);
      emaRefit(t.subMeans.select(2, 0), null, x, codes, 0.5, 1e-3);
      refitMixtures({ means: t.subMeans, logStds: t.subLogStds, logWeights: t.subLogWeights }, x, codes, 0.8, 1e-3);
      refitCovariances(t.cov, x, codes, 0.7);
      refitFullMixtures({ means: t.fullMeans, cov: t.fullCov, logWeights: t.fullLogWeights }, x, codes, 0.6, 1e-3);
      return Object.values(t);
    });
    const names = Object.keys(start);
    fused.forEach((t, i) => close(t, plain[i]!, dtype === 'float64' ? 1e-12 : 1e-5, names[i]!));
    close(fused[0]!.select(1, k - 1), start.means.select(1, k - 1), 0, 'an empty code keeps its centre');
  }));
}

test('the fused skip refuses what it does not differentiate, and bad shapes, with a one-line error', () => tidy(() => {
  const x = randn([2, 2]), sigma = rand([2]), z = F.oneHot(randint(0, 2, [2, 1]), 2).float();
  assert.throws(() => gaussianSkip(x, sigma, sigma, z, { means: randn([1, 3, 2]), logStds: randn([1, 2]) }), /codeSkip: shapes/);
}));
