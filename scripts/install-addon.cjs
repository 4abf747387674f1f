// The package's install step (and scripts/setup.sh's addon step): builds the native addon
// build/Release/disco_native.node with node-gyp against Debian's libtorch-dev, or the libtorch in
// LIBTORCH=/path. Skipped when the addon is up to date: build/.key holds the hash of native/* and
// binding.gyp, and LIBTORCH. DISCO_DIFF_ADDON=/path/to/disco_native.node installs that prebuilt
// addon instead of compiling (built from the same sources against the same libtorch, e.g. a
// checkout's build/Release/disco_native.node).
'use strict';
const { createHash } = require('node:crypto');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.join(__dirname, '..');
const addon = path.join(root, 'build', 'Release', 'disco_native.node');
const keyFile = path.join(root, 'build', '.key');
const log = path.join(root, 'build.log');

/** The sources' hash (as `cat native/* binding.gyp | sha1sum`, first 16 digits) and the libtorch in use. */
function sourceKey() {
  const files = fs.readdirSync(path.join(root, 'native')).sort().map((f) => path.join(root, 'native', f));
  const hash = createHash('sha1');
  for (const f of [...files, path.join(root, 'binding.gyp')]) hash.update(fs.readFileSync(f));
  return `${hash.digest('hex').slice(0, 16)}-${process.env.LIBTORCH || 'system'}`;
}

function fail(message) {
  console.error(`disco-diff: ${message}`);
  process.exit(1);
}

/** node-gyp: the one npm runs scripts with, else a local install. */
function nodeGyp() {
  if (process.env.npm_config_node_gyp) return process.env.npm_config_node_gyp;
  try {
    return require.resolve('node-gyp/bin/node-gyp.js', { paths: [root] });
  } catch {
    return fail('node-gyp is not available to build the native addon (npm install -g node-gyp)');
  }
}

const key = sourceKey();
const prebuilt = process.env.DISCO_DIFF_ADDON;
if (prebuilt) {
  if (!fs.existsSync(prebuilt)) fail(`DISCO_DIFF_ADDON=${prebuilt}: no such file`);
  fs.mkdirSync(path.dirname(addon), { recursive: true });
  fs.copyFileSync(prebuilt, addon);
  fs.writeFileSync(keyFile, `${key}\n`);
  console.log(`disco-diff: installed the prebuilt addon ${prebuilt}`);
  process.exit(0);
}
if (fs.existsSync(addon) && fs.existsSync(keyFile) && fs.readFileSync(keyFile, 'utf8').trim() === key) process.exit(0);

// libtorch.cjs fails when libtorch's headers are not where it looks.
const probe = spawnSync(process.execPath, [path.join(root, 'native', 'libtorch.cjs'), 'include'], { stdio: 'ignore' });
if (probe.status !== 0) {
  const where = process.env.LIBTORCH ? ` in LIBTORCH=${process.env.LIBTORCH}` : '';
  fail(`libtorch not found${where}: install Debian's libtorch-dev (apt-get install libtorch-dev) or set LIBTORCH=/path/to/libtorch`);
}

console.log('disco-diff: building the native addon (a few minutes; log in build.log)');
const out = fs.openSync(log, 'w');
const r = spawnSync(process.execPath, [nodeGyp(), 'rebuild', '-j', String(os.availableParallelism())],
  { cwd: root, stdio: ['ignore', out, out] });
fs.closeSync(out);
if (r.status !== 0) {
  console.error(fs.readFileSync(log, 'utf8').split('\n').slice(-40).join('\n'));
  fail(`the native addon build failed (full log: ${log})`);
}
fs.writeFileSync(keyFile, `${key}\n`);
