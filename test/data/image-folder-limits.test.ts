// A decoded image has a pixel cap (issue #27, M3): a small PNG whose header claims 12000×12000
// pixels (a 140 KB file that decoded to 8.2 GB) is refused from its header, as JPEG is by jpeg-js.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode as encodePng } from 'fast-png';
import { MAX_MEGAPIXELS, decodeImage, loadImageFolder } from '../../src/data/image-folder.js';

/** A PNG signature and IHDR chunk for width × height 8-bit grey, and no image data. */
function pngHeader(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(25);
  ihdr.writeUInt32BE(13, 0);
  ihdr.write('IHDR', 4, 'latin1');
  ihdr.writeUInt32BE(width, 8);
  ihdr.writeUInt32BE(height, 12);
  ihdr[16] = 8; // bit depth; colour type 0 (grey), then compression, filter, interlace 0; CRC left 0
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), ihdr]);
}

const dir = mkdtempSync(join(tmpdir(), 'dd-image-limits-'));

test('a PNG over the pixel cap is refused from its header, naming the file and the cap', () => {
  assert.equal(MAX_MEGAPIXELS, 100);
  const folder = join(dir, 'big');
  mkdirSync(folder);
  writeFileSync(join(folder, 'huge.png'), pngHeader(12_000, 12_000));
  assert.throws(() => loadImageFolder({ path: folder, resolution: 8 }),
    /image folder .*big: huge\.png: cannot decode image .*huge\.png: 12000×12000 pixels is more than the 100 megapixels an image may have/);
  // One pixel over the cap, and a PNG without its IHDR chunk.
  const over = join(dir, 'over.png');
  writeFileSync(over, pngHeader(100_000_001, 1));
  assert.throws(() => decodeImage(over), /100000001×1 pixels is more than the 100 megapixels/);
  const headless = join(dir, 'headless.png');
  writeFileSync(headless, Buffer.from([0x89, 0x50, 0x4e, 0x47]));
  assert.throws(() => decodeImage(headless), /cannot decode image .*headless\.png: PNG header \(IHDR\) missing/);
});

test('a PNG within the cap decodes', () => {
  const path = join(dir, 'small.png');
  writeFileSync(path, encodePng({ width: 3, height: 2, data: new Uint8Array([0, 50, 100, 150, 200, 255]), channels: 1, depth: 8 }));
  const img = decodeImage(path);
  assert.equal(img.width, 3);
  assert.equal(img.height, 2);
  assert.deepEqual([...img.rgb.subarray(0, 6)], [0, 0, 0, 50, 50, 50]);
});
