// Image data: IDX files (plain and gzip, and their errors), Fashion-MNIST, image folders.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode as encodePng } from 'fast-png';
import jpeg from 'jpeg-js';
import { tidy } from '../../src/engine/index.js';
import { decodeIdx, encodeIdx, readIdx } from '../../src/data/idx.js';
import { loadFashionMNIST, loadFashionMNISTTest } from '../../src/data/fashion-mnist.js';
import { loadImageFolder } from '../../src/data/image-folder.js';
import { bytesToImages, imagesToBytes, padTo } from '../../src/data/images.js';

const dir = mkdtempSync(join(tmpdir(), 'disco-images-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const FMNIST = '/usr/share/datasets/fashion-mnist';

test('IDX: images and labels round-trip, plain and gzipped', () => {
  const pixels = Uint8Array.from({ length: 2 * 3 * 4 }, (_, i) => (i * 37) % 256);
  for (const gz of [false, true]) {
    const p = join(dir, `img${gz ? '.gz' : ''}`);
    writeFileSync(p, encodeIdx([2, 3, 4], pixels, gz));
    const a = readIdx(p, 3);
    assert.deepEqual(a.dims, [2, 3, 4]);
    assert.deepEqual([...a.data], [...pixels]);
  }
  // A hand-made header: magic 0x00000801, 3 labels.
  const lbl = readIdx(writeBytes('lbl', [0, 0, 8, 1, 0, 0, 0, 3, 7, 8, 9]), 1);
  assert.deepEqual(lbl.dims, [3]);
  assert.deepEqual([...lbl.data], [7, 8, 9]);
});

function writeBytes(name: string, bytes: number[] | Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, Uint8Array.from(bytes));
  return p;
}

test('IDX: bad magic, truncated data, wrong kind, bad gzip and missing files are clear errors', () => {
  assert.throws(() => readIdx(writeBytes('bad', [0x50, 0x4b, 3, 4, 0, 0, 0, 1, 0])), /bad magic number 0x504b0304/);
  assert.throws(() => readIdx(writeBytes('short', [0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2, 1, 2, 3])),
    /truncated file: dims \[2,2,2\] need 8 bytes of data, found 3/);
  assert.throws(() => readIdx(writeBytes('head', [0, 0, 8, 3, 0, 0])), /truncated header/);
  assert.throws(() => readIdx(writeBytes('float', [0, 0, 0x0d, 1, 0, 0, 0, 1, 0, 0, 0, 0])), /element type 0xd is not supported/);
  assert.throws(() => readIdx(writeBytes('lbl1', [0, 0, 8, 1, 0, 0, 0, 1, 5]), 3), /expected images \(magic 0x00000803\)/);
  const gz = encodeIdx([4], Uint8Array.of(1, 2, 3, 4), true);
  assert.throws(() => decodeIdx(gz.subarray(0, gz.length - 6), 'cut.gz'), /cut\.gz: corrupt gzip stream/);
  assert.throws(() => readIdx(join(dir, 'nope.idx')), /IDX file not found: .*nope\.idx/);
});

test('Fashion-MNIST: missing dataset names the Debian package', () => {
  assert.throws(() => loadFashionMNIST({ root: join(dir, 'empty') }), /apt-get install dataset-fashion-mnist/);
});

test('Fashion-MNIST: train/test splits, 28→32 padding, [-1, 1], labels, limit', () => tidy(() => {
  const d = loadFashionMNIST({ root: FMNIST, resolution: 32, limit: 64, useLabels: true });
  assert.deepEqual(d.x.shape, [64, 1, 32, 32]);
  assert.equal(d.x.dtype, 'float32');
  assert.equal(d.numClasses, 10);
  assert.deepEqual(d.labels!.shape, [64]);
  assert.equal(d.labels!.dtype, 'int64');
  assert.equal(d.x.min().item(), -1);
  assert.equal(d.x.max().item(), 1);
  // The 2-pixel border is background (-1); the first train image is an ankle boot (class 9).
  assert.equal(d.x.slice(2, 0, 2).max().item(), -1);
  assert.equal(d.x.slice(3, 30, 32).max().item(), -1);
  assert.equal(d.labels!.toFlatArray()[0], 9);
  assert.equal(loadFashionMNIST({ root: FMNIST, limit: 8 }).numClasses, 0);
  const r28 = loadFashionMNIST({ root: FMNIST, resolution: 28, limit: 4 });
  assert.deepEqual(r28.x.shape, [4, 1, 28, 28]);
  assert.ok(r28.x.sub(d.x.slice(0, 0, 4).slice(2, 2, 30).slice(3, 2, 30)).abs().max().item() === 0, 'padding moves no pixel');
  assert.deepEqual(loadFashionMNIST({ root: FMNIST, resolution: 16, limit: 4 }).x.shape, [4, 1, 16, 16]);
  const t = loadFashionMNISTTest({ root: FMNIST });
  assert.deepEqual(t.x.shape, [10000, 1, 32, 32]);
  t.x.dispose();
  t.labels!.dispose();
}));

test('images: bytes ↔ [-1, 1] round-trip and padding value', () => tidy(() => {
  const bytes = Uint8Array.from({ length: 2 * 1 * 2 * 3 }, (_, i) => i * 20);
  const x = bytesToImages(bytes, [2, 1, 2, 3]);
  assert.deepEqual([...imagesToBytes(x).dataSync()], [...bytes]);
  const p = padTo(x, 5);
  assert.deepEqual(p.shape, [2, 1, 5, 5]);
  assert.ok(Math.abs(p.sum().item() - (x.sum().item() - (25 - 6) * 2)) < 1e-4);
}));

test('image folder: PNG (grey, RGBA) and JPEG, recursive, cropped and resized, 1 or 3 channels', () => tidy(() => {
  const root = join(dir, 'folder');
  mkdirSync(join(root, 'sub'), { recursive: true });
  // 8×4 grey PNG: left half black, right half white → centre crop 4×4 keeps columns 2..5.
  const grey = Uint8Array.from({ length: 32 }, (_, i) => ((i % 8) < 4 ? 0 : 255));
  writeFileSync(join(root, 'a.png'), encodePng({ width: 8, height: 4, data: grey, channels: 1, depth: 8 }));
  // 4×4 RGBA PNG: pure red, opaque.
  const red = Uint8Array.from({ length: 64 }, (_, i) => [255, 0, 0, 255][i % 4]!);
  writeFileSync(join(root, 'sub', 'b.png'), encodePng({ width: 4, height: 4, data: red, channels: 4, depth: 8 }));
  // 16×16 JPEG, mid grey.
  const jp = jpeg.encode({ width: 16, height: 16, data: new Uint8Array(16 * 16 * 4).fill(128) }, 95);
  writeFileSync(join(root, 'c.jpg'), jp.data);
  writeFileSync(join(root, 'notes.txt'), 'not an image');
  // 3×2 1-bit PNG (packed bits): rows 1 0 1 / 0 1 0.
  const bits = join(dir, 'bits');
  mkdirSync(bits, { recursive: true });
  writeFileSync(join(bits, 'b.png'), encodePng({ width: 3, height: 2, data: Uint8Array.of(0b10100000, 0b01000000), channels: 1, depth: 1 }));
  assert.deepEqual(loadImageFolder({ path: bits, resolution: 2, channels: 1 }).x.toArray(), [[[[1, -1], [-1, 1]]]]);
  const rgb = loadImageFolder({ path: root, resolution: 2, channels: 3 });
  assert.deepEqual(rgb.x.shape, [3, 3, 2, 2]);
  assert.equal(rgb.labels, null);
  const [a, c, b] = [0, 1, 2].map((i) => rgb.x.select(0, i)); // sorted: a.png, c.jpg, sub/b.png
  assert.deepEqual(a!.select(0, 0).toArray(), [[-1, 1], [-1, 1]]);
  assert.ok(Math.abs(c!.mean().item() - (128 / 127.5 - 1)) < 0.03);
  assert.deepEqual(b!.mean([1, 2]).toFlatArray(), [1, -1, -1]);
  const g = loadImageFolder({ path: root, resolution: 4, channels: 1 });
  assert.deepEqual(g.x.shape, [3, 1, 4, 4]);
  assert.ok(Math.abs(g.x.select(0, 2).mean().item() - (0.299 * 2 - 1)) < 1e-3, 'luma of pure red');
  assert.throws(() => loadImageFolder({ path: join(dir, 'missing') }), /image folder not found/);
  mkdirSync(join(dir, 'nothing'), { recursive: true });
  assert.throws(() => loadImageFolder({ path: join(dir, 'nothing') }), /holds no \.png\/\.jpg\/\.jpeg files/);
  writeFileSync(join(dir, 'nothing', 'broken.png'), 'garbage');
  assert.throws(() => loadImageFolder({ path: join(dir, 'nothing') }), /broken\.png: cannot decode image/);
}));
