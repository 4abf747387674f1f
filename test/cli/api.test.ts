import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { documentedApi } from '../package/api-doc.js';

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

test('docs/api.md documents each name once, with a known kind', () => {
  const api = documentedApi();
  assert.ok(api.length > 100, `docs/api.md lists ${api.length} names`);
  const seen = new Set<string>();
  for (const { name, kind } of api) {
    assert.ok(!seen.has(name), `${name} is documented twice`);
    seen.add(name);
    assert.ok(['class', 'function', 'constant', 'namespace', 'schema', 'type'].includes(kind), `${name}: unknown kind '${kind}'`);
  }
});

test('the public entry (src/index.ts) exports exactly the names docs/api.md documents', async () => {
  const api = documentedApi();
  const entry: Record<string, unknown> = await import(join(ROOT, 'src', 'index.ts'));
  const values = api.filter((a) => a.kind !== 'type').map((a) => a.name);
  assert.deepEqual(Object.keys(entry).sort(), [...values].sort(), 'the values src/index.ts exports vs docs/api.md');
  for (const { name, kind } of api) {
    const v = entry[name];
    const what = kind === 'class' ? typeof v === 'function' && /^class\b/.test(String(v))
      : kind === 'function' ? typeof v === 'function' && !/^class\b/.test(String(v))
        : kind === 'schema' ? typeof (v as { safeParse?: unknown })?.safeParse === 'function'
          : kind === 'constant' || kind === 'namespace' ? typeof v === 'object' && v !== null
            : v === undefined;
    assert.ok(what, `${name} is documented as a ${kind}`);
  }
  // Types leave no trace at run time: read them from the entry's explicit export lists.
  const source = readFileSync(join(ROOT, 'src', 'index.ts'), 'utf8');
  assert.doesNotMatch(source, /export \*/, 'src/index.ts lists its names (no `export *`)');
  const listed = [...source.matchAll(/export \{([^}]*)\}/g)].flatMap(([, names]) => names!.split(',').map((n) => n.trim()).filter(Boolean));
  const types = listed.filter((n) => n.startsWith('type ')).map((n) => n.slice('type '.length));
  assert.deepEqual(types.sort(), api.filter((a) => a.kind === 'type').map((a) => a.name).sort(), 'the types src/index.ts exports vs docs/api.md');
});

/** The folders of src/ from the bottom up; a folder imports only from folders before it. */
const LAYERS = ['engine', 'parallel', 'nn', 'optim', 'io', 'chem', 'config', 'data', 'metrics', 'plot', 'edm', 'pose', 'disco',
  'networks', 'docking', 'train', 'eval', 'serve', 'cli'];

/** The src/ folder (layer) of each relative import in `text`, the source of `file`, by resolving the import's path. */
function importedLayers(file: string, text = readFileSync(file, 'utf8')): string[] {
  const targets = [...text.matchAll(/(?:from |import\()'(\.\.?\/[^']+)'/g)]
    .map(([, spec]) => relative(join(ROOT, 'src'), resolve(dirname(file), spec!)));
  return targets.filter((t) => !t.startsWith('..')).map((t) => t.split(/[\\/]/)[0]!);
}

test('layers import only downwards: EDM knows nothing of DisCo-Diff, DisCo-Diff nothing of the networks', () => {
  const folders = readdirSync(join(ROOT, 'src'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
  for (const layer of folders) {
    const i = LAYERS.indexOf(layer);
    assert.ok(i >= 0, `src/${layer}/ has no place in LAYERS (test/cli/api.test.ts)`);
    for (const file of readdirSync(join(ROOT, 'src', layer), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'))) {
      for (const target of importedLayers(join(ROOT, 'src', layer, file))) {
        const j = LAYERS.indexOf(target);
        assert.ok(j >= 0 && j <= i, `src/${layer}/${file} imports src/${target}/`);
      }
    }
  }
});

test('the layer check resolves imports from nested folders (src/disco/codebook/)', () => {
  const text = "import { UNet } from '../../networks/unet.js';\nimport type { DiscoDiff } from '../model.js';\n" +
    "export { kmeans } from './kmeans.js';\nconst m = await import('../../engine/index.js');\n";
  assert.deepEqual(importedLayers(join(ROOT, 'src', 'disco', 'codebook', 'x.ts'), text), ['networks', 'disco', 'disco', 'engine']);
});
