// Atomic writes: a failed write leaves the previous file and no temp file, errors name the file,
// and temp files left by killed writers are removed.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { arange, setNumThreads } from '../../src/engine/index.js';
import { loadNpy, loadSafetensors, removeStaleTemps, saveNpy, writeFileAtomic, writeTextAtomic } from '../../src/io/index.js';
import { appendJsonl } from '../../src/train/jsonl.js';

before(() => setNumThreads(1));

const dir = mkdtempSync(join(tmpdir(), 'disco-atomic-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

test('a write replaces the file whole; one that fails part-way leaves the old file and no temp file', () => {
  const path = join(dir, 'keep.bin');
  writeTextAtomic(path, 'old contents');
  writeFileAtomic(path, [Buffer.from('new '), Buffer.from('contents')]);
  assert.equal(readFileSync(path, 'utf8'), 'new contents');
  // The second chunk is not bytes: the write fails after the first chunk reached the temp file.
  const broken = [Buffer.from('half of a new file'), { byteLength: 1 } as unknown as Uint8Array];
  assert.throws(() => writeFileAtomic(path, broken), /^Error: cannot write .*keep\.bin: /);
  assert.equal(readFileSync(path, 'utf8'), 'new contents');
  assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('keep.bin')), ['keep.bin']);
});

test('a missing parent folder is created', () => {
  const path = join(dir, 'a', 'b', 'c.txt');
  writeTextAtomic(path, 'x');
  assert.equal(readFileSync(path, 'utf8'), 'x');
});

test('atomic writes: errors name the file, temp files never outlive a failure, stale ones are removed', () => {
  const sub = join(dir, 'atomic');
  mkdirSync(join(sub, 'target.npy'), { recursive: true });   // --out that is a directory
  assert.throws(() => saveNpy(join(sub, 'target.npy'), arange(3)), /cannot write .*atomic\/target\.npy: it is a directory/);
  writeFileSync(join(sub, 'file'), '');
  assert.throws(() => writeFileAtomic(join(sub, 'file', 'x.bin'), [new Uint8Array(1)]), /cannot write .*atomic\/file\/x\.bin: ENOTDIR/);
  const dead = spawnSync(process.execPath, ['-e', '']).pid!;
  writeFileSync(join(sub, `a.bin.tmp-${dead}`), 'left by a killed writer');
  writeFileSync(join(sub, `a.bin.tmp-${process.ppid}`), 'a live writer');
  writeFileAtomic(join(sub, 'a.bin'), [new Uint8Array([1, 2])]);
  assert.deepEqual(readdirSync(sub).sort(), ['a.bin', `a.bin.tmp-${process.ppid}`, 'file', 'target.npy']);
  assert.deepEqual(removeStaleTemps(sub), []);
  // A full disk (Linux's /dev/full fails every write with ENOSPC): the error names the file.
  if (existsSync('/dev/full')) assert.throws(() => appendJsonl('/dev/full', { step: 1 }), /cannot append to \/dev\/full: ENOSPC/);
  // Reading a directory names it instead of a bare EISDIR.
  assert.throws(() => loadSafetensors(sub), /safetensors file .*atomic is a directory, not a file/);
  assert.throws(() => loadNpy(sub), /npy file .*atomic is a directory/);
});
