/**
 * Trains the Fashion-MNIST classifier whose features define FD-FMNIST and precision/recall, and
 * writes assets/fmnist-classifier.safetensors (with its test accuracy in the metadata).
 *   node --import tsx scripts/train-classifier.ts [--epochs 4] [--batch 128] [--lr 2e-3] [--seed 0] [--flip] [--out PATH]
 */
import { parseArgs } from 'node:util';
import { manualSeed, tidy } from '../src/engine/index.js';
import { F } from '../src/engine/index.js';
import { Adam, warmupCosine } from '../src/optim/index.js';
import { saveSafetensors } from '../src/io/index.js';
import { BatchIterator } from '../src/data/dataset.js';
import { loadFashionMNIST, loadFashionMNISTTest } from '../src/data/fashion-mnist.js';
import { FMNISTClassifier, FMNIST_CLASSIFIER_PATH, classifierAccuracy } from '../src/metrics/fmnist-classifier.js';

const { values: a } = parseArgs({
  options: {
    epochs: { type: 'string', default: '4' },
    batch: { type: 'string', default: '128' },
    lr: { type: 'string', default: '2e-3' },
    seed: { type: 'string', default: '0' },
    flip: { type: 'boolean', default: false },
    out: { type: 'string', default: FMNIST_CLASSIFIER_PATH },
  },
});
const epochs = Number(a.epochs), batch = Number(a.batch), lr = Number(a.lr), seed = Number(a.seed);

manualSeed(seed);
const train = loadFashionMNIST({ resolution: 32 });
const test = loadFashionMNISTTest({ resolution: 32 });
const clf = new FMNISTClassifier();
const opt = new Adam(clf.namedParameters(), { lr });
const it = new BatchIterator(train, batch, seed, a.flip); // --flip: random left-right flips
const perEpoch = Math.floor(train.x.size(0) / batch), total = epochs * perEpoch;
const schedule = warmupCosine(100, total);
const t0 = performance.now();
let avg = 0;
for (let step = 0; step < total; step++) {
  const loss = tidy(() => {
    const { x, labels } = it.next();
    const l = F.crossEntropy(clf.forward(x), labels!);
    l.backward();
    return l.item();
  });
  opt.update(lr * schedule(step));
  opt.zeroGrad();
  avg = step ? 0.98 * avg + 0.02 * loss : loss;
  if ((step + 1) % 100 === 0) {
    console.log(`step ${step + 1}/${total}  loss ${avg.toFixed(4)}  ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  }
}
clf.eval();
const acc = classifierAccuracy(clf, test.x, test.labels!);
console.log(`test accuracy ${(100 * acc).toFixed(2)}% after ${epochs} epochs (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
saveSafetensors(a.out!, clf.stateDict(), {
  model: 'FMNISTClassifier', test_accuracy: acc.toFixed(4), epochs: String(epochs), batch: String(batch),
  lr: String(lr), seed: String(seed), made_by: 'scripts/train-classifier.ts',
});
console.log(`wrote ${a.out}`);
