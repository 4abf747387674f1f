// Fashion-MNIST labels are checked on load: a label outside 0..9 names the labels file, the label
// and its index, instead of surfacing later as an embedding's "index out of range".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeIdx } from '../../src/data/idx.js';
import { loadFashionMNIST } from '../../src/data/fashion-mnist.js';

/** A folder with a 4-image train split whose labels are `labels`. */
function dataset(labels: number[]): string {
  const root = mkdtempSync(join(tmpdir(), 'dd-fmnist-'));
  writeFileSync(join(root, 'train-images-idx3-ubyte'), encodeIdx([4, 28, 28], new Uint8Array(4 * 28 * 28).fill(255)));
  writeFileSync(join(root, 'train-labels-idx1-ubyte.gz'), encodeIdx([4], Uint8Array.from(labels), true));
  return root;
}

test('labels in 0..9 load as int64 labels', () => {
  const d = loadFashionMNIST({ root: dataset([0, 9, 3, 7]), useLabels: true });
  assert.deepEqual(d.labels!.toFlatArray(), [0, 9, 3, 7]);
  assert.equal(d.labels!.dtype, 'int64');
  assert.equal(d.numClasses, 10);
});

test('a label outside 0..9 is refused on load, naming the file, the label and its index', () => {
  const root = dataset([0, 9, 10, 255]);
  const file = join(root, 'train-labels-idx1-ubyte.gz');
  assert.throws(() => loadFashionMNIST({ root, useLabels: true }), (e: Error) => {
    assert.equal(e.message, `${file}: label 10 at index 2 is outside 0..9 (Fashion-MNIST has 10 classes)`);
    return true;
  });
  // Also when the labels are not used for training (they are still used for evaluation).
  assert.throws(() => loadFashionMNIST({ root, limit: 2 }), /label 10 at index 2 is outside 0\.\.9/);
});
