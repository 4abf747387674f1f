// The package as a user gets it: `npm pack` (which builds dist/), installed into a fresh project
// (the dependencies pinned to package-lock.json's versions and taken from npm's cache, which
// `npm ci` filled; the network only for what the cache lacks; the install step takes this
// checkout's addon through DISCO_DIFF_ADDON instead of compiling one), imported by name (every
// name docs/api.md documents), type-checked against the shipped types, and its CLI run from the
// compiled JavaScript.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readmeExamples } from './readme.js';
import { documentedApi } from './api-doc.js';

const ROOT = join(import.meta.dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

/** Runs a command; asserts it succeeds and returns its stdout. */
function run(cmd: string, args: string[], o: SpawnSyncOptions): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...o, env: { DISCO_THREADS: '1', ...process.env, ...o.env } });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')} failed:\n${r.stdout}${r.stderr}${r.error?.message ?? ''}`);
  return String(r.stdout);
}

/** A lockfile for `app` that pins disco-diff's dependencies to this checkout's package-lock.json. */
function appLock(tarball: string): object {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8'));
  const deps = Object.entries(lock.packages as Record<string, { dev?: boolean }>).filter(([k, v]) => k && !v.dev);
  return {
    name: 'app', lockfileVersion: 3, requires: true,
    packages: {
      '': { name: 'app', dependencies: { 'disco-diff': tarball } },
      'node_modules/disco-diff': { version: pkg.version, resolved: tarball, hasInstallScript: true, license: pkg.license,
        dependencies: pkg.dependencies, bin: pkg.bin, engines: pkg.engines },
      ...Object.fromEntries(deps),
    },
  };
}

/** Uses the root entry and two subpaths; the @ts-expect-error fails the check if the types were `any`. */
const CHECK_TS = `import { EDMPrecond, UNet, UNetModelConfig, tensor, type Tensor } from 'disco-diff';
import { edmStateDict } from 'disco-diff/networks';
import { heun } from 'disco-diff/edm';
const t: Tensor = tensor([1, 2]);
const { kind: _, ...unet } = UNetModelConfig.parse({ kind: 'unet' });
const D = new EDMPrecond(new UNet({ ...unet, resolution: 8, inChannels: 1, numClasses: 0, latents: null, sigmaData: 0.5 }), 0.5);
// @ts-expect-error a string is not tensor data
tensor('x');
export { t, D, edmStateDict, heun };
`;

/** The documented API: values (imported and checked at run time) and types (for the type checker). */
const API = documentedApi();
const VALUES = API.filter((a) => a.kind !== 'type').map((a) => a.name);
const TYPES = API.filter((a) => a.kind === 'type').map((a) => a.name);

/** Imports every documented name from the package; tsc fails on a name it does not export. */
const API_TS = `import { ${VALUES.join(', ')}, ${TYPES.map((t) => `type ${t}`).join(', ')} } from 'disco-diff';
export { ${VALUES.join(', ')} };
export type { ${TYPES.join(', ')} };
`;

test('npm pack → install into a fresh project → import, type-check and run the CLI by the package name', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pack-'));
  try {
    const [packed] = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', dir], { cwd: ROOT }));
    const files = (packed.files as { path: string }[]).map((f) => f.path);
    for (const f of ['dist/index.js', 'dist/index.d.ts', 'dist/networks/index.d.ts', 'dist/cli/main.js', 'dist/serve/page/index.html',
      'bin/disco-diff.js', 'binding.gyp', 'native/libtorch.cjs', 'scripts/install-addon.cjs', 'configs/toy-edm.yaml',
      'assets/fmnist-classifier.safetensors', 'data/docking/record.json', 'data/docking/receptors/1HPV.pdbqt',
      'models/dock/checkpoint.safetensors']) assert.ok(files.includes(f), `the tarball lacks ${f}`);
    assert.deepEqual(files.filter((f) => /^(src|test|bench|build)\//.test(f)), []);

    const app = join(dir, 'app');
    mkdirSync(app);
    const tarball = `file:../${packed.filename}`;
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module', dependencies: { 'disco-diff': tarball } }));
    writeFileSync(join(app, 'package-lock.json'), JSON.stringify(appLock(tarball)));
    run('npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: app,
      env: { DISCO_DIFF_ADDON: join(ROOT, 'build', 'Release', 'disco_native.node') } });
    assert.ok(existsSync(join(app, 'node_modules', 'disco-diff', 'build', 'Release', 'disco_native.node')));
    assert.ok(!existsSync(join(app, 'node_modules', 'tsx')), 'tsx is a development dependency only');
    const noTorch = spawnSync(process.execPath, [join('node_modules', 'disco-diff', 'scripts', 'install-addon.cjs')],
      { cwd: app, encoding: 'utf8', env: { ...process.env, LIBTORCH: join(dir, 'no-libtorch') } });
    assert.equal(noTorch.status, 1);
    assert.match(noTorch.stderr, /^disco-diff: libtorch not found .*apt-get install libtorch-dev.*\n$/);

    writeFileSync(join(app, 'run.mjs'), `import { ${VALUES.join(', ')} } from 'disco-diff';\n` +
      "import { UNet as LayerUNet } from 'disco-diff/networks';\n" +
      `const missing = Object.entries({ ${VALUES.join(', ')} }).filter(([, v]) => v === undefined).map(([k]) => k);\n` +
      'console.log(tensor([1, 2, 3]).mul(2).toFlatArray().join(), typeof LayerUNet, missing.join() || "none missing");\n');
    assert.equal(run(process.execPath, ['run.mjs'], { cwd: app }), '2,4,6 function none missing\n');

    writeFileSync(join(app, 'check.ts'), CHECK_TS);
    writeFileSync(join(app, 'api.ts'), API_TS);
    readmeExamples().forEach((e, i) => writeFileSync(join(app, `readme${i}.ts`), e.code));
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true,
        types: ['node'], typeRoots: [join(ROOT, 'node_modules', '@types')] },
      include: ['*.ts'],
    }));
    run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', app], { cwd: app });

    const npx = (...args: string[]) => run('npx', ['--no-install', 'disco-diff', ...args], { cwd: app });
    assert.match(npx('--help'), /Commands:[\s\S]*train [\s\S]*export /);
    npx('train', '--config', 'node_modules/disco-diff/configs/toy-edm.yaml', '--out', 'run', '--steps', '2', '--quiet');
    assert.match(npx('sample', '--run', 'run', '--n', '8', '--out', 's.npy', '--steps', '3'), /wrote 8 samples to s\.npy/);
    // The shipped docking model and example complex, used from the install.
    const shipped = (p: string) => join('node_modules', 'disco-diff', p);
    assert.match(npx('dock', '--run', shipped('models/dock'), '--receptor', shipped('data/docking/examples/1hpv-protein.pdb'),
      '--ligand', shipped('data/docking/examples/amprenavir.sdf'), '--out', 'poses.sdf', '--n', '2', '--steps', '2', '--refine', '0', '--quiet'),
    /wrote 2 poses of 1 ligand\(s\) to poses\.sdf/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
