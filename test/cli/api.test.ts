import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

test('package.json main is the public entry, and it exports each layer', async () => {
  const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8'));
  const api = await import(join(import.meta.dirname, '..', '..', pkg.main));
  for (const name of ['tensor', 'tidy', 'MLP', 'Adam', 'saveCheckpoint', 'w2', 'EDMPrecond', 'edmLoss', 'gumbelSoftmax',
    'DiscoDiff', 'LatentPrior', 'AnalyticCodebook', 'generate', 'makeToy', 'parseConfig', 'trainStage1', 'trainPrior']) {
    assert.ok(name in api, `${name} is not exported from ${pkg.main}`);
  }
});
