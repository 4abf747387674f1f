/**
 * A small CNN classifier for Fashion-MNIST (32×32, [-1, 1], the training data's format), trained
 * by `scripts/train-classifier.ts`. Its 128-d penultimate features define our sample-quality
 * metrics: FD-FMNIST (the Fréchet distance in this feature space — not FID, whose Inception
 * features are meaningless for 32×32 grey clothes) and improved precision/recall.
 */
import { existsSync } from 'node:fs';
import { F, keep, mapBatches, noGrad, sumBatches, tidy, type Tensor } from '../engine/index.js';
import { Module } from '../nn/module.js';
import { Conv2d, GroupNorm, Linear } from '../nn/layers.js';
import { loadSafetensors } from '../io/safetensors.js';
import { packagePath } from '../io/package-files.js';
import { resizeSquare } from '../data/images.js';
import { frechetDistance, featureStats, type GaussianStats } from './frechet.js';
import { kNNRadii, precisionRecall } from './precision-recall.js';

/** The committed weights (made by `node --import tsx scripts/train-classifier.ts`). */
export const FMNIST_CLASSIFIER_PATH = packagePath('assets', 'fmnist-classifier.safetensors');

/** conv3×3 → GroupNorm → ReLU → maxpool, three times (32 → 16 → 8 → 4), then 2048 → 128 (features) → 10. */
export class FMNISTClassifier extends Module {
  readonly conv1: Conv2d;
  readonly conv2: Conv2d;
  readonly conv3: Conv2d;
  readonly norm1: GroupNorm;
  readonly norm2: GroupNorm;
  readonly norm3: GroupNorm;
  readonly fc1: Linear;
  readonly fc2: Linear;
  static readonly featureDim = 128;

  constructor() {
    super();
    this.conv1 = this.module('conv1', new Conv2d(1, 32, 3));
    this.conv2 = this.module('conv2', new Conv2d(32, 64, 3));
    this.conv3 = this.module('conv3', new Conv2d(64, 128, 3));
    this.norm1 = this.module('norm1', new GroupNorm(8, 32));
    this.norm2 = this.module('norm2', new GroupNorm(8, 64));
    this.norm3 = this.module('norm3', new GroupNorm(8, 128));
    this.fc1 = this.module('fc1', new Linear(128 * 4 * 4, FMNISTClassifier.featureDim));
    this.fc2 = this.module('fc2', new Linear(FMNISTClassifier.featureDim, 10));
  }

  /** x [B, 1, 32, 32] in [-1, 1] → penultimate features [B, 128] (after ReLU). */
  features(x: Tensor): Tensor {
    if (x.ndim !== 4 || x.size(1) !== 1) throw new Error(`FMNISTClassifier: expects [B, 1, H, W] images, got [${x.shape}]`);
    let h = x.size(2) === 32 ? x : resizeSquare(x, 32);
    for (const [c, n] of [[this.conv1, this.norm1], [this.conv2, this.norm2], [this.conv3, this.norm3]] as const) {
      h = F.maxPool2d(n.forward(c.forward(h)).relu(), 2);
    }
    return this.fc1.forward(h.flatten(1)).relu();
  }

  /** x → class logits [B, 10]. */
  forward(x: Tensor): Tensor {
    return this.fc2.forward(F.dropout(this.features(x), 0.3, this.training));
  }
}

/** The trained classifier (eval mode). A missing file says how to make it. */
export function loadFMNISTClassifier(path = FMNIST_CLASSIFIER_PATH): FMNISTClassifier {
  if (!existsSync(path)) {
    throw new Error(`Fashion-MNIST classifier weights not found at ${path}; ` +
      'train them with `node --import tsx scripts/train-classifier.ts` (a few minutes on CPU)');
  }
  const { tensors } = loadSafetensors(path);
  const clf = new FMNISTClassifier();
  try {
    clf.loadStateDict(tensors);
  } finally {
    for (const t of tensors.values()) t.dispose();
  }
  return clf.eval();
}

/** Features [N, 128] of images [N, 1, H, W] in [-1, 1], in batches, without gradients. */
export function classifierFeatures(clf: FMNISTClassifier, images: Tensor, batch = 500): Tensor {
  return noGrad(() => mapBatches(images.size(0), batch, (s, e) => clf.features(images.slice(0, s, e))));
}

/** Predicted classes [N] (int64) of images [N, 1, H, W] in [-1, 1]. */
export function classify(clf: FMNISTClassifier, images: Tensor, batch = 500): Tensor {
  return noGrad(() => mapBatches(images.size(0), batch, (s, e) => clf.forward(images.slice(0, s, e)).argmax(1)));
}

/**
 * Mean over rows of the share of a row's predicted labels equal to the row's majority label;
 * labels [R·C] in row order, C per row. 1 = every row is one class; ≈ chance level for rows of
 * unrelated samples.
 */
export function rowMajorityShare(labels: number[], perRow: number): number {
  const rows = Math.floor(labels.length / perRow);
  let total = 0;
  for (let r = 0; r < rows; r++) {
    const counts = new Map<number, number>();
    for (const l of labels.slice(r * perRow, (r + 1) * perRow)) counts.set(l, (counts.get(l) ?? 0) + 1);
    total += Math.max(...counts.values()) / perRow;
  }
  return rows ? total / rows : 0;
}

/** Top-1 accuracy of the classifier on labelled images. */
export function classifierAccuracy(clf: FMNISTClassifier, images: Tensor, labels: Tensor, batch = 500): number {
  return noGrad(() => sumBatches(images.size(0), batch,
    (s, e) => clf.forward(images.slice(0, s, e)).argmax(1).eq(labels.slice(0, s, e)).sum().item())) / images.size(0);
}

/** Sample-quality metrics of generated images against reference images (e.g. the test split). */
export interface ImageMetrics {
  /** Fréchet distance in the classifier's feature space (FD-FMNIST). */
  fdFmnist: number;
  precision: number;
  recall: number;
  /**
   * The share of images the classifier gives some class with probability ≥ 0.9 ("recognisable"),
   * of the samples and of the reference images.
   */
  recognisable: { samples: number; reference: number };
  /** Number of generated and reference images. */
  n: number;
  nRef: number;
}

/** The classifier's most likely class probability ≥ 0.9 (a recognisable image), from its features [N, 128]: the share of rows. */
export function recognisableShare(clf: FMNISTClassifier, features: Tensor, threshold = 0.9): number {
  return noGrad(() => tidy(() => clf.fc2.forward(features).softmax(1).max(1).ge(threshold).float().mean().item()));
}

/**
 * A reference image set (e.g. the test split) as the metrics see it: the classifier, the set's
 * features, their Gaussian, their k-NN radii and recognisable share. The features of 10,000 images
 * are most of an evaluation's cost, so one reference serves every evaluateImages call against the
 * same set. Owns its tensors and, unless one was passed, its classifier.
 */
export class ImageReference {
  private constructor(readonly classifier: FMNISTClassifier, readonly features: Tensor, readonly radii: Tensor,
    readonly stats: GaussianStats, readonly recognisable: number, readonly k: number,
    /** Shape of one image [C, H, W]. */
    readonly imageShape: number[], private readonly ownsClassifier: boolean) {}

  /** The reference of `images` [N, 1, H, W] in [-1, 1]; k is precision/recall's neighbour count (3, as in the paper). */
  static of(images: Tensor, o: { classifier?: FMNISTClassifier; k?: number } = {}): ImageReference {
    const clf = o.classifier ?? loadFMNISTClassifier(), k = o.k ?? 3;
    try {
      const { features, radii } = tidy(() => {
        const f = classifierFeatures(clf, images);
        return { features: keep(f), radii: keep(kNNRadii(f.float(), k)) };
      });
      return new ImageReference(clf, features, radii, featureStats(features), recognisableShare(clf, features), k,
        images.shape.slice(1), !o.classifier);
    } catch (e) {
      if (!o.classifier) clf.dispose();
      throw e;
    }
  }

  /** Number of reference images. */
  get n(): number {
    return this.features.size(0);
  }

  dispose(): void {
    this.features.dispose();
    this.radii.dispose();
    if (this.ownsClassifier) this.classifier.dispose();
  }
}

/**
 * FD-FMNIST, precision/recall and the recognisable shares of `samples` [N, 1, H, W] in [-1, 1]
 * against a reference: an ImageReference, or images (their reference is made and freed here).
 */
export function evaluateImages(samples: Tensor, reference: Tensor | ImageReference,
  o: { classifier?: FMNISTClassifier; k?: number } = {}): ImageMetrics {
  const ref = reference instanceof ImageReference ? reference : ImageReference.of(reference, o);
  try {
    if (samples.shape.slice(1).join() !== ref.imageShape.join()) {
      throw new Error(`evaluateImages: samples are [${samples.shape.slice(1)}] images, the reference [${ref.imageShape}]`);
    }
    return tidy(() => {
      const fs = classifierFeatures(ref.classifier, samples);
      const fdFmnist = frechetDistance(featureStats(fs), ref.stats);
      const { precision, recall } = precisionRecall(ref.features, fs, { k: ref.k, realRadii: ref.radii });
      const recognisable = { samples: recognisableShare(ref.classifier, fs), reference: ref.recognisable };
      return { fdFmnist, precision, recall, recognisable, n: samples.size(0), nRef: ref.n };
    });
  } finally {
    if (ref !== reference) ref.dispose();
  }
}
