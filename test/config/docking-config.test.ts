// The docking run config (src/config/docking.ts): the shipped configs/dock.yaml gives the defaults,
// a bad key or σ range is an error naming it, and docking configs are told apart from the others.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockingConfig } from '../../src/config/docking.js';
import { isDockingConfig, loadDockingConfig, parseDockingConfig, readConfigFile } from '../../src/config/load.js';

const CONFIGS = join(import.meta.dirname, '..', '..', 'configs');
const dir = mkdtempSync(join(tmpdir(), 'dd-docking-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string): string => { const p = join(dir, name); writeFileSync(p, text); return p; };

test('configs/dock.yaml loads as a docking config and gives the defaults', () => {
  const cfg = loadDockingConfig(join(CONFIGS, 'dock.yaml'));
  assert.deepEqual(cfg, DockingConfig.parse({ domain: 'docking' }));
  // DisCo-DiffDock-S's σ ranges and DiffDock's sampling (40 poses, 20 steps, SDE)
  assert.deepEqual(cfg.diffusion, {
    trSigmaMin: 0.1, trSigmaMax: 19, rotSigmaMin: 0.03, rotSigmaMax: 1.55, torSigmaMin: 0.03, torSigmaMax: 3.14, tDistribution: 'uniform',
  });
  assert.deepEqual([cfg.sample.n, cfg.sample.steps, cfg.sample.sampler], [40, 20, 'sde']);
});

test('an unknown key is an error naming its path, in a file and in a section', () => {
  const path = file('typo.yaml', 'domain: docking\ndiffusion:\n  trSigmaMax: 10\n  sigmaMax: 3\n');
  assert.throws(() => loadDockingConfig(path), (e: Error) => {
    assert.match(e.message, new RegExp(`^invalid config ${path}: diffusion: .*"sigmaMax"`));
    assert.ok(!e.message.includes('\n'), 'one line');
    return true;
  });
  assert.throws(() => parseDockingConfig({ domain: 'docking', modle: {} }), /^Error: invalid config: \(root\): .*"modle"/);
  assert.throws(() => parseDockingConfig({ domain: 'docking', diffusion: { trSigmaMin: 0 } }), /diffusion\.trSigmaMin: /);
});

test('σ_min ≥ σ_max is refused for each part', () => {
  for (const part of ['tr', 'rot', 'tor']) {
    const max = DockingConfig.parse({ domain: 'docking' }).diffusion[`${part}SigmaMax` as 'trSigmaMax'];
    for (const min of [max, 2 * max]) {
      assert.throws(() => parseDockingConfig({ domain: 'docking', diffusion: { [`${part}SigmaMin`]: min } }),
        new RegExp(`^Error: invalid config: diffusion\\.${part}SigmaMin: must be below diffusion\\.${part}SigmaMax$`), `${part}: σ_min ${min}, σ_max ${max}`);
    }
  }
});

test('isDockingConfig tells the docking config from the image and toy ones', () => {
  const shipped = readdirSync(CONFIGS).filter((f) => f.endsWith('.yaml'));
  assert.ok(shipped.length > 1);
  for (const f of shipped) assert.equal(isDockingConfig(readConfigFile(join(CONFIGS, f))), f.startsWith('dock'), f);
  for (const raw of [null, 'docking', ['docking'], { domain: 'image' }, {}]) assert.equal(isDockingConfig(raw), false, JSON.stringify(raw));
  assert.throws(() => loadDockingConfig(join(CONFIGS, 'toy-edm.yaml')), /domain: /);
});
