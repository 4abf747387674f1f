// `--init-from` checks the source run's weights before copying: non-finite values and another
// dtype are refused with a message naming --init-from and the tensor (they used to surface as
// "diverged at step 1" or as a loadStateDict dtype list).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tensor, type Tensor } from '../../src/engine/index.js';
import { saveSafetensors } from '../../src/io/index.js';
import { parseConfig } from '../../src/config/load.js';
import { createModel } from '../../src/networks/build.js';
import { initFromRun } from '../../src/train/init-from.js';

const cfg = parseConfig({ data: { kind: 'toy' }, model: { kind: 'mlp', hidden: 16, layers: 2, embDim: 8 }, latents: { m: 1, k: 4 },
  encoder: { kind: 'mlp', hidden: 16, layers: 2 } });
const model = () => createModel(cfg, { shape: [2], numClasses: 0, sigmaData: 0.5 });
const root = mkdtempSync(join(tmpdir(), 'dd-init-from-'));
const KEY = 'denoiser.net.in_x.weight';

/** A run directory whose checkpoint holds `edit` applied to a fresh model's weights as its EMA. */
function sourceRun(name: string, edit: (k: string, t: Tensor) => Tensor = (_, t) => t): string {
  const dir = join(root, name);
  mkdirSync(dir);
  const ema = new Map([...model().stateDict()].map(([k, t]) => [`ema.${k}`, edit(k, t)]));
  saveSafetensors(join(dir, 'checkpoint.safetensors'), ema, { meta: '{}', optimizer_steps: '{}' });
  return dir;
}

test('a source run\'s weights are copied tensor by tensor', () => {
  let source: number[] = [];
  const src = sourceRun('good', (k, t) => {
    if (k !== KEY) return t;
    const shifted = t.add(1);
    source = shifted.toFlatArray();
    return shifted;
  });
  const m = model();
  const fresh = m.stateDict().get(KEY)!.toFlatArray();
  initFromRun(m, src, true);
  assert.deepEqual(m.stateDict().get(KEY)!.toFlatArray(), source);
  assert.notDeepEqual(source, fresh);
});

test('a NaN in the source is refused before anything is copied, naming --init-from and the tensor', () => {
  const src = sourceRun('nan', (k, t) => {
    if (k !== KEY) return t;
    const v = Float32Array.from(t.toFlatArray());
    v[3] = NaN;
    v[5] = Infinity;
    return tensor(v, { shape: t.shape });
  });
  const m = model();
  const before = m.stateDict().get(KEY)!.toFlatArray();
  assert.throws(() => initFromRun(m, src, true), (e: Error) => {
    assert.equal(e.message, `--init-from ${src}: its weights hold non-finite values: ${KEY} (1 NaN and 1 inf of ${before.length} values)`);
    return true;
  });
  assert.deepEqual(m.stateDict().get(KEY)!.toFlatArray(), before);
});

test('float64 weights into a float32 config are refused naming --init-from, the dtypes and train.dtype', () => {
  const src = sourceRun('f64', (_, t) => t.to({ dtype: 'float64' }));
  assert.throws(() => initFromRun(model(), src, true),
    new RegExp(`^Error: --init-from ${src}: its network differs from this config's \\(other dtype \\(see train\\.dtype\\): ` +
      '[\\w.]+ \\(float64, this config float32\\).* and \\d+ more\\)$'));
});
