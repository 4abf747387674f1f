import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

test('package.json points at the compiled entry, and every subpath export has a source index', () => {
  assert.equal(pkg.main, 'dist/index.js');
  assert.equal(pkg.types, 'dist/index.d.ts');
  assert.match(pkg.bin['disco-diff'], /^bin\/.*\.js$/);
  for (const [sub, target] of Object.entries(pkg.exports as Record<string, { types: string; default: string } | string>)) {
    if (sub === './package.json') continue;
    const dir = sub === '.' ? '' : `${sub.slice(2)}/`;
    assert.deepEqual(target, { types: `./dist/${dir}index.d.ts`, default: `./dist/${dir}index.js` }, sub);
    assert.ok(existsSync(join(ROOT, 'src', dir, 'index.ts')), `src/${dir}index.ts for ${sub}`);
  }
});

test('the public entry (src/index.ts) exports each layer', async () => {
  const api = await import(join(ROOT, 'src', 'index.ts'));
  for (const name of ['tensor', 'tidy', 'MLP', 'Adam', 'saveCheckpoint', 'w2', 'frechetDistance', 'EDMPrecond', 'edmLoss',
    'gumbelSoftmax', 'DiscoDiff', 'LatentPrior', 'AnalyticCodebook', 'generate', 'latentDenoiser', 'UNet',
    'MLPDenoiser', 'ViTEncoder', 'MLPEncoder', 'edmStateDict', 'makeToy', 'parseConfig', 'trainStage1', 'trainPrior', 'exportRun']) {
    assert.ok(name in api, `${name} is not exported from src/index.ts`);
  }
});

/** The folders of src/ from the bottom up; a folder imports only from folders before it. */
const LAYERS = ['engine', 'parallel', 'nn', 'optim', 'io', 'config', 'data', 'metrics', 'plot', 'edm', 'disco', 'networks',
  'train', 'eval', 'serve', 'cli'];

test('layers import only downwards: EDM knows nothing of DisCo-Diff, DisCo-Diff nothing of the networks', () => {
  const folders = readdirSync(join(ROOT, 'src'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
  for (const layer of folders) {
    const i = LAYERS.indexOf(layer);
    assert.ok(i >= 0, `src/${layer}/ has no place in LAYERS (test/cli/api.test.ts)`);
    for (const file of readdirSync(join(ROOT, 'src', layer), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'))) {
      const text = readFileSync(join(ROOT, 'src', layer, file), 'utf8');
      for (const [, target] of text.matchAll(/from '(?:\.\.\/)+([a-z-]+)\//g)) {
        assert.ok(LAYERS.indexOf(target!) < i || target === layer, `src/${layer}/${file} imports src/${target}/`);
      }
    }
  }
});
