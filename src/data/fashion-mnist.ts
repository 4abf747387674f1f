/**
 * Fashion-MNIST (Xiao et al. 2017): 60k train / 10k test grey 28×28 images of 10 clothing
 * classes, read from the IDX files of Debian's `dataset-fashion-mnist`. Images are padded to
 * 32×32 (black background, so no pixel is resampled), or resized for other resolutions.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { tensor, tidy } from '../engine/index.js';
import { FashionMNISTDataConfig } from '../config/schema.js';
import type { Dataset } from './dataset.js';
import { readIdx } from './idx.js';
import { bytesToImages, padTo, resizeSquare } from './images.js';

/** The `data` section of a Fashion-MNIST run. */
export type FashionMNISTConfig = FashionMNISTDataConfig;

/** The class names, by label. */
export const FASHION_MNIST_CLASSES = [
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
] as const;

const FILES = {
  train: ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte'],
  test: ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'],
} as const;

/** Finds `name` or `name.gz` under root; a missing dataset says how to install it. */
function locate(root: string, name: string): string {
  for (const p of [join(root, `${name}.gz`), join(root, name)]) if (existsSync(p)) return p;
  throw new Error(`Fashion-MNIST not found: ${join(root, name)}(.gz) is missing. ` +
    'Install it with `apt-get install dataset-fashion-mnist` (files go to /usr/share/datasets/fashion-mnist), ' +
    'or set data.root to a folder holding the IDX files.');
}

/** Refuses a label outside 0..9 (it would index past the class embedding), naming the file. */
function checkLabels(labels: Uint8Array, path: string): void {
  const i = labels.findIndex((c) => c >= FASHION_MNIST_CLASSES.length);
  if (i >= 0) {
    throw new Error(`${path}: label ${labels[i]} at index ${i} is outside 0..${FASHION_MNIST_CLASSES.length - 1} ` +
      `(Fashion-MNIST has ${FASHION_MNIST_CLASSES.length} classes)`);
  }
}

/**
 * The train (default) or test split as [N, 1, res, res] float32 in [-1, 1] with int64 labels.
 * Labels are always attached (for evaluation); `numClasses` is 10 only with `useLabels`. Keys
 * not given take the config schema's defaults.
 */
export function loadFashionMNIST(cfg: Partial<FashionMNISTConfig> = {}, o: { split?: 'train' | 'test' } = {}): Dataset {
  const { root, resolution: res, limit, useLabels } = FashionMNISTDataConfig.parse({ ...cfg, kind: 'fashion-mnist' });
  const split = o.split ?? 'train';
  const [imgName, lblName] = FILES[split];
  const img = readIdx(locate(root, imgName), 3);
  const lblPath = locate(root, lblName);
  const lbl = readIdx(lblPath, 1);
  checkLabels(lbl.data, lblPath);
  const [n0, h, w] = img.dims as [number, number, number];
  if (lbl.dims[0] !== n0) throw new Error(`Fashion-MNIST ${split}: ${n0} images but ${lbl.dims[0]} labels`);
  const n = limit > 0 ? Math.min(limit, n0) : n0;
  const x = tidy(() => {
    const raw = bytesToImages(img.data.subarray(0, n * h * w), [n, 1, h, w]);
    if (res === h) return raw;
    if (res > h && res <= 32) return padTo(raw, res);
    return resizeSquare(padTo(raw, Math.max(32, h)), res);
  });
  const labels = tensor(lbl.data.subarray(0, n), { dtype: 'uint8' });
  const labels64 = labels.long();
  labels.dispose();
  return { name: `fashion-mnist-${split}`, x, labels: labels64, numClasses: useLabels ? 10 : 0 };
}

/** The 10k test images, preprocessed like the training set (for FD-FMNIST and precision/recall). */
export function loadFashionMNISTTest(cfg: Partial<FashionMNISTConfig> = {}): Dataset {
  return loadFashionMNIST({ ...cfg, limit: 0 }, { split: 'test' });
}
