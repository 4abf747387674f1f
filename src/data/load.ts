/** Data config → Dataset. */
import { Generator } from '../engine/index.js';
import type { DataConfig } from '../config/schema.js';
import type { Dataset } from './dataset.js';
import { makeToy } from './toy.js';
import { loadFashionMNIST } from './fashion-mnist.js';
import { loadImageFolder } from './image-folder.js';
import { loadArrayData } from './array.js';

/** Loads (or generates, seeded by `seed`) the training set a config names. */
export async function loadDataset(cfg: DataConfig, seed: number): Promise<Dataset> {
  switch (cfg.kind) {
    case 'toy': {
      const g = new Generator(seed);
      try {
        const t = makeToy(cfg.name, cfg.n, g);
        return { name: cfg.name, x: t.x, labels: null, numClasses: 0, components: t.labels, centers: t.centers, std: t.std };
      } finally {
        g.dispose();
      }
    }
    case 'fashion-mnist':
      return loadFashionMNIST(cfg);
    case 'image-folder':
      return loadImageFolder(cfg);
    case 'array':
      return loadArrayData(cfg);
  }
}
