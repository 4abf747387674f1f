// Shipped files are found from any working directory: resolveShipped and the docking data set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PACKAGE_ROOT, packagePath, resolveShipped } from '../../src/io/package-files.js';
import { DockingDataConfig, type DockingConfig } from '../../src/config/docking.js';
import { dataDir } from '../../src/docking/complexes.js';

const ROOT = resolve(import.meta.dirname, '..', '..');

test('PACKAGE_ROOT is the folder of package.json; packagePath joins inside it', () => {
  assert.equal(resolve(PACKAGE_ROOT), ROOT);
  assert.equal(packagePath('configs', 'toy-edm.yaml'), join(PACKAGE_ROOT, 'configs', 'toy-edm.yaml'));
});

test('resolveShipped: the working directory first, then the package, else the path as given', () => {
  const cwd = process.cwd(), tmp = mkdtempSync(join(tmpdir(), 'shipped-'));
  try {
    process.chdir(tmp);
    // Found only in the package: the shipped data set, whatever the working directory.
    assert.equal(resolveShipped('data/docking'), resolve(PACKAGE_ROOT, 'data/docking'));
    assert.equal(dataDir({ data: DockingDataConfig.parse({}) } as DockingConfig), resolve(PACKAGE_ROOT, 'data/docking'));
    // A folder of the same name in the working directory wins; absolute and missing paths stay as given.
    mkdirSync(join(tmp, 'data', 'docking'), { recursive: true });
    assert.equal(resolveShipped('data/docking'), 'data/docking');
    assert.equal(resolveShipped('/nowhere/data'), '/nowhere/data');
    assert.equal(resolveShipped('no/such/folder'), 'no/such/folder');
  } finally {
    process.chdir(cwd);
    rmSync(tmp, { recursive: true, force: true });
  }
});
