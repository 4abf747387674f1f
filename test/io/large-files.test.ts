// own-process: measures this process's RSS
// Files past 2 GiB (issue #27 H2). A checkpoint is written one tensor at a time and read one
// tensor at a time by byte range, so a file larger than one Node read (2 GiB) loads and memory
// peaks near the tensors themselves, not at a copy of the whole file. The big files here are
// sparse (holes read as zeros), so the tests cost memory and seconds, not disk.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, ftruncateSync, mkdtempSync, openSync, rmSync, statSync, symlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { full, tidy, type Tensor } from '../../src/engine/index.js';
import { loadCheckpoint, loadSafetensors, saveSafetensors } from '../../src/io/index.js';

const GiB = 2 ** 30;
const MiB = 2 ** 20;

/** The peak resident memory of this process so far, in bytes. */
const peakRss = () => process.resourceUsage().maxRSS * 1024;

/**
 * Writes a sparse safetensors file: the JSON header, then only the bytes in `data` (at their
 * offsets within the data section); everything else up to `dataBytes` is a hole.
 */
function writeSparse(path: string, header: Record<string, unknown>, dataBytes: number, data: [number, Uint8Array][]): void {
  const json = JSON.stringify(header);
  const head = Buffer.from(json.padEnd(8 * Math.ceil(json.length / 8), ' '));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(head.byteLength));
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, len, 0, 8, 0);
    writeSync(fd, head, 0, head.byteLength, 8);
    for (const [at, bytes] of data) writeSync(fd, bytes, 0, bytes.byteLength, 8 + head.byteLength + at);
    ftruncateSync(fd, 8 + head.byteLength + dataBytes);
  } finally {
    closeSync(fd);
  }
}

const f32 = (...v: number[]) => new Uint8Array(new Float32Array(v).buffer);

// First, while nothing big has been allocated yet, so the peak measures this write alone.
test('saving streams: 1 GiB of tensors never sits in a second, whole-file buffer', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dd-large-'));
  const model = new Map<string, Tensor>();
  try {
    for (let k = 0; k < 16; k++) model.set(`w${k}`, full([16 * MiB], k));   // 16 × 64 MiB
    const before = process.memoryUsage().rss;
    if (peakRss() > before + 64 * MiB) return t.skip('an earlier peak would hide this write\'s');
    const sink = join(dir, 'sink');
    symlinkSync('/dev/null', sink);                                           // no disk needed
    saveSafetensors(sink, model);
    const grew = peakRss() - before;
    assert.ok(grew < 256 * MiB, `saving 1 GiB raised the peak RSS by ${(grew / MiB).toFixed(0)} MiB`);
  } finally {
    for (const w of model.values()) w.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('tensors past the 2 GiB mark of a sparse safetensors file load by name', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dd-large-'));
  try {
    const path = join(dir, 'sparse.safetensors');
    const hole = 2 * GiB + 16;                                                // a U8 tensor of zeros, left as a hole
    writeSparse(path, {
      __metadata__: { note: 'sparse' },
      hole: { dtype: 'U8', shape: [hole], data_offsets: [0, hole] },
      tail: { dtype: 'F32', shape: [3], data_offsets: [hole, hole + 12] },
    }, hole + 12, [[hole, f32(1.5, -2, 3)]]);
    assert.ok(statSync(path).size > 2 * GiB);

    const { tensors, metadata } = loadSafetensors(path, ['tail']);
    assert.deepEqual([...tensors.keys()], ['tail']);
    assert.deepEqual([...tensors.get('tail')!.dataSync()], [1.5, -2, 3]);
    assert.deepEqual(metadata, { note: 'sparse' });
    tensors.get('tail')!.dispose();
    assert.throws(() => loadSafetensors(path, ['tail', 'nope']), new RegExp(`safetensors file ${path} has no tensor 'nope'`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a checkpoint just over 2 GiB loads whole, each tensor from its own byte range', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dd-large-'));
  const n = 16 * MiB;                                                         // 64 MiB of float32 per tensor
  const count = 33;                                                           // 2.06 GiB in all
  try {
    const path = join(dir, 'checkpoint.safetensors');
    const header: Record<string, unknown> = { __metadata__: { meta: '{"step":7}', optimizer_steps: '{}' } };
    const marks: [number, Uint8Array][] = [];
    for (let k = 0; k < count; k++) {
      const start = 4 * n * k;
      header[`model.w${k}`] = { dtype: 'F32', shape: [n], data_offsets: [start, start + 4 * n] };
      marks.push([start, f32(k + 1)], [start + 4 * (n - 1), f32(-(k + 1))]);  // first and last element; zeros between
    }
    writeSparse(path, header, 4 * n * count, marks);
    assert.ok(statSync(path).size > 2 * GiB);

    const ck = loadCheckpoint(path);
    try {
      assert.deepEqual(ck.meta, { step: 7 });
      assert.equal(ck.model.size, count);
      for (let k = 0; k < count; k++) {
        const w = ck.model.get(`w${k}`)!;
        const ends = tidy(() => [w.slice(0, 0, 1).item(), w.slice(0, n - 1, n).item(), w.abs().sum().item()]);
        assert.deepEqual(ends, [k + 1, -(k + 1), 2 * (k + 1)], `w${k}`);
      }
    } finally {
      ck.dispose();
    }
    // One copy of the tensors is 2.06 GiB; reading the whole file into one buffer as well would pass 4 GiB.
    assert.ok(peakRss() < 3 * GiB, `peak RSS ${(peakRss() / GiB).toFixed(2)} GiB`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
