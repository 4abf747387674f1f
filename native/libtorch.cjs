// Tells node-gyp where libtorch lives. LIBTORCH=/path (with include/ and lib/, e.g. the
// `torch` folder of a Python install or an unpacked libtorch zip) overrides the Debian
// libtorch-dev install. Usage: node native/libtorch.cjs include|libs|abi|defines|summary
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = process.env.LIBTORCH;
const debianLib = '/usr/lib/x86_64-linux-gnu';
const inc = root ? path.join(root, 'include') : '/usr/include';
const lib = root ? path.join(root, 'lib') : debianLib;

function check() {
  const header = path.join(inc, 'torch/csrc/api/include/torch/torch.h');
  if (!fs.existsSync(header)) {
    console.error(`libtorch headers not found at ${inc} (looked for ${header}). ` +
      (root ? 'Check LIBTORCH.' : 'Install them with: apt-get install libtorch-dev, or set LIBTORCH.'));
    process.exit(1);
  }
}

// Builds of libtorch differ in the C++ ABI; their libc10 tells which one they use.
function cxx11abi() {
  if (process.env.LIBTORCH_CXX11_ABI) return process.env.LIBTORCH_CXX11_ABI;
  const c10 = path.join(lib, 'libc10.so');
  return fs.readFileSync(c10).includes('__cxx11') ? '1' : '0';
}

// CUDA headers: CUDA_HOME's (default /usr/local/cuda), else the ones a pip-installed torch brings
// beside itself (site-packages/nvidia/*/include). NCCL's header likewise. DISCO_ADDON_CUDA=0 builds
// without the CUDA-only code (NCCL, the caching allocator's counters): the fallback when it fails.
const findHeader = (name, dirs) => dirs.find((d) => fs.existsSync(path.join(d, name)));
const nvidia = (pkg) => (root ? [path.join(root, '..', 'nvidia', pkg, 'include')] : []);
const cudaInc = findHeader('cuda_runtime_api.h',
  [path.join(process.env.CUDA_HOME || '/usr/local/cuda', 'include'), ...nvidia('cuda_runtime'), '/usr/include']);
const ncclInc = findHeader('nccl.h', [inc, '/usr/include', ...(cudaInc ? [cudaInc] : []), ...nvidia('nccl')]);
const cuda = process.env.DISCO_ADDON_CUDA !== '0' && fs.existsSync(path.join(lib, 'libtorch_cuda.so')) &&
  fs.existsSync(path.join(inc, 'c10/cuda/CUDACachingAllocator.h')) && cudaInc !== undefined;

// c10d backends: Gloo where its headers are (Debian's libgloo-dev; a Python torch ships them), NCCL
// only in a CUDA build with nccl.h at hand.
function backends() {
  const c10d = path.join(inc, 'torch/csrc/distributed/c10d');
  const out = [];
  if (fs.existsSync(path.join(c10d, 'ProcessGroupGloo.hpp')) && findHeader('gloo/algorithm.h', [inc, '/usr/include'])) out.push('gloo');
  if (cuda && fs.existsSync(path.join(c10d, 'ProcessGroupNCCL.hpp')) && ncclInc) out.push('nccl');
  return out;
}

function includes() {
  const out = [inc, path.join(inc, 'torch/csrc/api/include')];
  if (cuda) out.push(cudaInc);
  if (backends().includes('nccl') && !out.includes(ncclInc)) out.push(ncclInc);
  return out;
}

function defines() {
  const names = { gloo: 'USE_C10D_GLOO', nccl: 'USE_C10D_NCCL' };
  return [...backends().map((b) => names[b]), ...(cuda ? ['DD_WITH_CUDA'] : [])];
}

function libs() {
  // OpenBLAS first, so its BLAS symbols win over the reference libblas that libtorch names; its
  // OpenMP build where installed: it shares libtorch's OpenMP threads, where the pthread build's
  // own pool spins against them (bench/engine at 2 threads: W1 5.8 vs 19 ms, W3 180 vs 320 ms).
  // Its folder leads the run path: the file name alone would resolve through Debian's alternatives.
  const openblas = root ? null : ['openblas-openmp', 'openblas-pthread'].map((d) => path.join(debianLib, d, 'libopenblas.so.0'))
    .find((f) => fs.existsSync(f));
  const out = [`-L${lib}`, ...(openblas ? [`-Wl,-rpath,${path.dirname(openblas)}`] : []), `-Wl,-rpath,${lib}`, '-Wl,--no-as-needed'];
  if (openblas) out.push(openblas);
  for (const name of ['torch_cuda', 'c10_cuda']) {
    if (fs.existsSync(path.join(lib, `lib${name}.so`))) out.push(`-l${name}`);
  }
  out.push('-ltorch', '-ltorch_cpu', '-lc10');
  // Debian links Gloo as its own library; a Python torch has it inside libtorch_cpu.
  if (backends().includes('gloo') && [lib, '/usr/lib', '/lib'].some((d) => fs.existsSync(path.join(d, 'libgloo.so')))) out.push('-lgloo');
  // NCCL's own library where it is one (a Python torch may bundle it in libtorch_cuda).
  if (backends().includes('nccl') && [lib, debianLib].some((d) => fs.existsSync(path.join(d, 'libnccl.so')))) out.push('-lnccl');
  out.push('-Wl,--as-needed');
  return out;
}

const what = process.argv[2];
check();
if (what === 'summary') {
  console.log(JSON.stringify({ include: inc, lib, cuda, cudaInclude: cudaInc ?? null, ncclInclude: ncclInc ?? null, backends: backends() }));
  process.exit(0);
}
if (what === 'include') console.log(includes().join(' '));
else if (what === 'libs') console.log(libs().join(' '));
else if (what === 'abi') console.log(cxx11abi());
else if (what === 'defines') console.log(defines().join(' '));
else { console.error('usage: libtorch.cjs include|libs|abi|defines|summary'); process.exit(2); }
