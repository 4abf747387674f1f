/**
 * What the device check's parts share: their flags, a timed section that records a failure instead
 * of stopping the run, the U-Net options of an image config, and the addon's CUDA memory counters.
 */
import { loadConfig } from '../../src/config/load.js';
import { N } from '../../src/engine/native.js';
import type { Device } from '../../src/engine/index.js';
import type { UNetOptions } from '../../src/networks/unet.js';
import { unetOptionsFor } from '../../src/networks/build.js';

/** One part's outcome: `ok` with what it measured, or the error that stopped it. */
export interface Section { name: string; ok: boolean; ms: number; error?: string; [detail: string]: unknown }

/** Runs `fn`, timing it; an exception becomes `ok: false` with its message. */
export function section(name: string, fn: () => Record<string, unknown> & { ok?: boolean }): Section {
  const t0 = performance.now();
  try {
    const r = fn();
    return { name, ok: r.ok ?? true, ms: performance.now() - t0, ...r };
  } catch (e) {
    return { name, ok: false, ms: performance.now() - t0, error: (e as Error).stack ?? String(e) };
  }
}

/** `--name value` flags (every flag takes a value). */
export function flags(argv: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 2) {
    const k = argv[i]!, v = argv[i + 1];
    if (!k.startsWith('--') || v === undefined) throw new Error(`expected --flag value pairs, got '${argv.slice(i).join(' ')}'`);
    out.set(k.slice(2), v);
  }
  return out;
}

/** The device flag: 'cpu' (the dry run) or 'cuda'. */
export function deviceFlag(f: Map<string, string>): Device {
  const d = f.get('device') ?? 'cpu';
  if (d !== 'cpu' && d !== 'cuda') throw new Error(`--device must be cpu or cuda, got '${d}'`);
  return d;
}

/**
 * The U-Net options of an image config (as src/networks/build.ts builds model kind 'unet'), less
 * the options the PyTorch reference (bench/images_unet_ref.py) does not have (turned off, named in
 * `dropped`); `shrink` makes the
 * dry run's tiny network.
 */
export function unetOptions(configPath: string, shrink = false): { options: UNetOptions; dropped: string[] } {
  const cfg = loadConfig(configPath);
  const dropped = cfg.model.kind === 'unet' && cfg.model.analyticGaussian ? ['analyticGaussian'] : [];
  const resolution = 'resolution' in cfg.data ? cfg.data.resolution : 32;
  const options: UNetOptions = {
    ...unetOptionsFor(cfg, { shape: [1, resolution, resolution], numClasses: 0, sigmaData: cfg.edm.sigmaData ?? 0.5 }),
    analyticGaussian: false,
  };
  if (!shrink) return { options, dropped };
  return {
    options: { ...options, resolution: 8, channels: 8, channelMult: [1, 2], numBlocks: 1, attnResolutions: [4],
      channelMultEmb: 2, heads: 2, latentDim: 16, latentLayers: 1, latentGroups: [],
      latents: options.latents ? { m: 3, k: 5 } : null },
    dropped,
  };
}

/** The CUDA caching allocator's counters (bytes), or null in a build without CUDA. */
export type CudaMemory = NonNullable<ReturnType<typeof N.cudaMemory>>;
export const cudaMemory = (): CudaMemory | null => N.cudaMemory(0);
export const cudaResetPeak = (): void => N.cudaResetPeak(0);
