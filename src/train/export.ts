/**
 * `disco-diff export`: a trained run's denoiser (EMA weights) in another code base's layout.
 * 'edm': NVlabs EDM's `DhariwalUNet` state dict, with the constructor arguments of `DhariwalUNet`
 * and `EDMPrecond`'s σ_data as metadata (src/networks/edm-export.ts).
 */
import { tidy } from '../engine/index.js';
import { saveSafetensors } from '../io/index.js';
import { UNet } from '../networks/unet.js';
import { edmKwargs, edmStateDict } from '../networks/edm-export.js';
import { loadRun } from './load-run.js';

/** The layouts `export` writes. */
export const EXPORT_FORMATS = ['edm'] as const;
/** One of EXPORT_FORMATS. */
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Writes run `dir`'s denoiser to `out` in `format`; returns the tensor count. */
export function exportRun(dir: string, out: string, format: ExportFormat): { tensors: number } {
  const L = loadRun(dir);
  try {
    const net = L.model.denoiser.net;
    if (!(net instanceof UNet)) throw new Error(`export --format ${format}: run ${dir} has no U-Net (model.kind '${L.cfg.model.kind}')`);
    return tidy(() => {
      const sd = edmStateDict(net);
      saveSafetensors(out, sd, { format, step: String(L.step), edm_kwargs: JSON.stringify(edmKwargs(net)),
        sigma_data: String(L.info.sigmaData) });
      return { tensors: sd.size };
    });
  } finally {
    L.model.dispose();
  }
}
