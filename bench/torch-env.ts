/**
 * The environment of the PyTorch reference processes (bench/engine_ref.py, bench/images_unet_ref.py):
 * Debian's PyTorch takes its BLAS from libblas.so.3, which the alternatives point at the pthread
 * OpenBLAS; the addon links the OpenMP build (native/libtorch.cjs). Both sides use the OpenMP build.
 */
import { existsSync } from 'node:fs';

const OPENMP_BLAS = '/usr/lib/x86_64-linux-gnu/openblas-openmp';

export function torchEnv(): NodeJS.ProcessEnv {
  if (!existsSync(`${OPENMP_BLAS}/libblas.so.3`)) return {};
  return { LD_LIBRARY_PATH: [OPENMP_BLAS, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':') };
}
