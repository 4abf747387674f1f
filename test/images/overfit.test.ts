// A tiny U-Net memorises 16 Fashion-MNIST images under the EDM loss (EDMPrecond + edmLoss + Adam).
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Generator, manualSeed, noGrad, setNumThreads, tidy, type Tensor } from '../../src/engine/index.js';
import { UNet } from '../../src/networks/unet.js';
import { EDMPrecond } from '../../src/edm/precond.js';
import { edmLoss } from '../../src/edm/loss.js';
import { Adam } from '../../src/optim/index.js';
import { loadFashionMNIST } from '../../src/data/fashion-mnist.js';
import { unetOptions } from '../networks/options.js';

const STEPS = 120;
/** Loss must fall by at least this factor. */
const FACTOR = 3;
// Small ops: one thread is as fast, and far faster on a machine busy with other work.
before(() => setNumThreads(1));

/** EDM loss at fixed σ ∈ {0.05, 0.2, 0.5, 1, 2} with fixed noise: a low-variance measure of fit. */
function fixedLoss(D: EDMPrecond, y: Tensor): number {
  return noGrad(() => tidy(() => {
    const g = new Generator(123);
    let sum = 0;
    for (const s of [0.05, 0.2, 0.5, 1, 2]) {
      // σ fixed through a degenerate log-normal: ln σ ~ N(ln s, (1e-12)²).
      sum += edmLoss((x, sg) => D.forward(x, sg), y, { pMean: Math.log(s), pStd: 1e-12, sigmaData: 0.5, generator: g }).loss.mean().item();
    }
    g.dispose();
    return sum / 5;
  }));
}

test(`overfit: ${STEPS} Adam steps on 16 images cut the EDM loss by ≥ ${FACTOR}×`, () => {
  manualSeed(0);
  const data = loadFashionMNIST({ resolution: 16, limit: 16 });
  const net = new UNet(unetOptions({ resolution: 16, inChannels: 1, channels: 16, channelMult: [1, 2], numBlocks: 1,
    attnResolutions: [8], dropout: 0, heads: 2 }));
  const D = new EDMPrecond(net, 0.5);
  const opt = new Adam(D.namedParameters(), { lr: 4e-3 });
  const gen = new Generator(7);
  const before = fixedLoss(D, data.x);
  for (let step = 0; step < STEPS; step++) {
    tidy(() => edmLoss((x, s) => D.forward(x, s), data.x, { pMean: -1.2, pStd: 1.2, sigmaData: 0.5, generator: gen }).loss.mean().backward());
    opt.update();
    opt.zeroGrad();
  }
  const after = fixedLoss(D, data.x);
  console.log(`overfit: loss ${before.toFixed(4)} → ${after.toFixed(4)}`);
  assert.ok(after * FACTOR < before, `loss ${before.toFixed(4)} → ${after.toFixed(4)} (needs ${FACTOR}× lower)`);
  gen.dispose();
  opt.dispose();
  D.dispose();
  data.x.dispose();
  data.labels?.dispose();
});
