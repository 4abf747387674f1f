/** Quick looks at samples: a 2-D scatter coloured by latent code, or an image grid. */
import type { Tensor } from '../engine/index.js';
import { Figure } from './figure.js';
import { scatter } from './series.js';
import { dataLimits } from './scale.js';
import { saveImageGrid } from './images.js';

/** Draws samples [N, 2] (coloured by the first latent when codes are given) or images [N, C, H, W]. */
export function scatterSamples(path: string, x: Tensor, codes?: Tensor | null): void {
  if (x.ndim === 4) {
    const n = Math.min(x.size(0), 64);
    const s = x.slice(0, 0, n);
    saveImageGrid(path, s, { cols: Math.ceil(Math.sqrt(n)) });
    s.dispose();
    return;
  }
  if (x.ndim !== 2 || x.size(1) !== 2) throw new Error(`can only draw [N, 2] points or [N, C, H, W] images, got [${x.shape}]`);
  const v = x.toFlatArray();
  const lim = dataLimits(v, { pad: 0.05 });
  const fig = new Figure({ panelWidth: 420, panelHeight: 420, margin: { left: 40, right: 12, top: 30, bottom: 30 } });
  const ax = fig.axes(0, 0, { xlim: lim, ylim: lim, equal: true, title: `${x.size(0)} samples` });
  const first = codes ? codes.select(1, 0) : null;
  scatter(ax, x, first ? { categories: first.toFlatArray(), alpha: 0.5 } : { alpha: 0.5 });
  first?.dispose();
  ax.frame();
  fig.save(path);
}
