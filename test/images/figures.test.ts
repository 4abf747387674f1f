// Image figures and latent manipulations: grids as PNG, latent switching, shared and composed codes.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decode as decodePng } from 'fast-png';
import { full, linspace, tensor, tidy, zeros, type Tensor } from '../../src/engine/index.js';
import { Module } from '../../src/nn/module.js';
import { EDMPrecond, type Backbone } from '../../src/edm/precond.js';
import type { Conditioning } from '../../src/disco/conditioning.js';
import { SampleConfig } from '../../src/config/schema.js';
import { composeGroupCodes, repeatCodes, switchingRows } from '../../src/disco/switching.js';
import {
  groupCompositionFigure, labelledGrid, latentSwitchingFigure, sampleGridFigure, sharedLatentFigure,
} from '../../src/plot/image-figures.js';

const dir = mkdtempSync(join(tmpdir(), 'disco-figs-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const png = (p: string) => decodePng(readFileSync(p));

test('labelledGrid: pixel layout (scale, gap, white background) of a grey and an RGB grid', () => tidy(() => {
  const p = join(dir, 'grid.png');
  const imgs = linspace(-1, 1, 4).view(4, 1, 1, 1).expand(4, 1, 2, 2); // 4 flat 2×2 images: 0, 85, 170, 255
  labelledGrid(p, [imgs.slice(0, 0, 2), imgs.slice(0, 2, 4)], { scale: 3, gap: 1 });
  const { width, height, data, channels } = png(p);
  assert.deepEqual([width, height], [2 * 7 + 1, 2 * 7 + 1]);
  const at = (x: number, y: number) => data[(y * width + x) * channels]!;
  assert.deepEqual([at(0, 0), at(1, 1), at(8, 1), at(1, 8), at(8, 8), at(14, 14)], [255, 0, 85, 170, 255, 255]);
  const rgb = full([1, 3, 2, 2], -1);
  labelledGrid(p, [rgb], { scale: 1, gap: 0 });
  assert.deepEqual([...png(p).data.slice(0, 3)], [0, 0, 0]);
  assert.throws(() => labelledGrid(p, [zeros([1, 2, 2, 2])]), /expects images \[N, 1\|3, H, W\]/);
}));

test('figure functions write labelled PNGs', () => tidy(() => {
  const imgs = linspace(-1, 1, 12 * 64).view(12, 1, 8, 8);
  sampleGridFigure(join(dir, 'samples.png'), imgs, { title: 'samples' });
  sharedLatentFigure(join(dir, 'shared.png'), imgs, 4, { codes: [[1, 2, 3], [4, 5, 6], [7, 8, 9]] });
  latentSwitchingFigure(join(dir, 'switch.png'), [{ label: 'z₁ only', images: imgs.slice(0, 0, 4) },
    { label: 'switch at 50%', images: imgs.slice(0, 4, 8) }]);
  groupCompositionFigure(join(dir, 'groups.png'), imgs, 3);
  const s = png(join(dir, 'shared.png'));
  assert.ok(s.width > 4 * 64 && s.height > 3 * 64, `shared grid is ${s.width}×${s.height}`);
  assert.throws(() => sharedLatentFigure(join(dir, 'x.png'), imgs, 5), /12 images do not fill rows of 5/);
}));

/** A backbone whose output is the mean code index of the latents: samples depend on z only. */
class CodeNet extends Module implements Backbone {
  forward(x: Tensor, _c: Tensor, cond: Conditioning): Tensor {
    const z = cond.latents!;
    const k = z.size(-1);
    const codes = z.mul(linspace(0, k - 1, k)).sum(-1).mean(1); // (B)
    return zeros(x.shape).add(codes.div(k).view(-1, 1, 1, 1));
  }
}

test('latent switching: switching at the end = z₁, at the start = z₂, later switches stay nearer z₁', () => tidy(() => {
  const D = new EDMPrecond(new CodeNet(), 0.5);
  const sample = SampleConfig.parse({ steps: 12 });
  const a = tensor([[0, 0], [1, 1]], { dtype: 'int64' }), b = tensor([[9, 9], [8, 8]], { dtype: 'int64' });
  const rows = switchingRows(D, [1, 2, 2], 10, a, b, { sample, seed: 3 });
  assert.deepEqual(rows.map((r) => r.label), ['z₁ only', 'switch at 25%', 'switch at 50%', 'switch at 75%', 'z₂ only']);
  const dist = (p: Tensor, q: Tensor) => p.sub(q).abs().max().item();
  const [onlyA, s25, s50, s75, onlyB] = rows.map((r) => r.images) as Tensor[];
  assert.ok(dist(onlyA!, onlyB!) > 0.5);
  assert.ok(dist(s75!, onlyA!) < dist(s50!, onlyA!) && dist(s50!, onlyA!) < dist(s25!, onlyA!), 'later switch → closer to z₁');
  const again = switchingRows(D, [1, 2, 2], 10, a, b, { sample, seed: 3, fractions: [0, 1] });
  assert.equal(dist(again[1]!.images, onlyB!), 0, 'switch at 0% = z₂ only');
  assert.equal(dist(again[2]!.images, onlyA!), 0, 'switch at 100% = z₁ only');
}));

test('code helpers: repeated rows, group composition', () => tidy(() => {
  assert.deepEqual(repeatCodes(tensor([[1, 2], [3, 4]], { dtype: 'int64' }), 2).toArray(), [[1, 2], [1, 2], [3, 4], [3, 4]]);
  const rowCodes = tensor([[1, 1, 1], [2, 2, 2]], { dtype: 'int64' }), colCodes = tensor([[7, 8, 9], [4, 5, 6]], { dtype: 'int64' });
  assert.deepEqual(composeGroupCodes(rowCodes, colCodes, [1, 2]).toArray(), [[1, 8, 9], [1, 5, 6], [2, 8, 9], [2, 5, 6]]);
  assert.deepEqual((composeGroupCodes(rowCodes, colCodes, [1, 1, 1], [0, 1]).toArray() as number[][])[1], [1, 1, 6]);
  assert.throws(() => composeGroupCodes(rowCodes, colCodes, [2, 2]), /codes must be \[·, 4\]/);
}));
