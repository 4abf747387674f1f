// Tells node-gyp where libtorch lives. LIBTORCH=/path (with include/ and lib/, e.g. the
// `torch` folder of a Python install or an unpacked libtorch zip) overrides the Debian
// libtorch-dev install. Usage: node native/libtorch.cjs include|libs|abi
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

function libs() {
  const out = [`-L${lib}`, `-Wl,-rpath,${lib}`];
  const openblas = path.join(debianLib, 'openblas-pthread/libopenblas.so.0');
  // OpenBLAS first, so its BLAS symbols win over the reference libblas that libtorch names.
  if (!root && fs.existsSync(openblas)) out.push(openblas);
  out.push('-Wl,--no-as-needed');
  for (const name of ['torch_cuda', 'c10_cuda']) {
    if (fs.existsSync(path.join(lib, `lib${name}.so`))) out.push(`-l${name}`);
  }
  out.push('-ltorch', '-ltorch_cpu', '-lc10', '-Wl,--as-needed');
  return out;
}

const what = process.argv[2];
check();
if (what === 'include') console.log([inc, path.join(inc, 'torch/csrc/api/include')].join(' '));
else if (what === 'libs') console.log(libs().join(' '));
else if (what === 'abi') console.log(cxx11abi());
else { console.error('usage: libtorch.cjs include|libs|abi'); process.exit(2); }
