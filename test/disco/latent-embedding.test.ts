// LatentEmbedding.project (and presence, its one-code case) computes proj(flatten(E(z))) on the tables: the same values and gradients as the direct form.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, manualSeed, rand, randint, tensor, tidy, type Tensor } from '../../src/engine/index.js';
import { LatentEmbedding } from '../../src/disco/latent-embedding.js';
import { Linear } from '../../src/nn/layers.js';
import type { Conditioning } from '../../src/disco/conditioning.js';

const f64 = { dtype: 'float64' as const };
const maxDiff = (a: Tensor, b: Tensor) => a.sub(b).abs().max().item();

/** Values and the gradients of Σ w·out for the direct form and `project`, on the same parameters and z. */
function compare(m: number, k: number, B: number, drop: boolean, constant: boolean, latents: boolean): void {
  tidy(() => {
    manualSeed(10 * m + k);
    const E = new LatentEmbedding(m, k, 5).to(f64), proj = new Linear(m * 5, 7).to(f64);
    const z = latents ? (constant ? tensor(new Array(B).fill(1), f64).view(B, 1, 1)
      : F.oneHot(randint(0, k, [B, m]), k).to(f64).add(rand([B, m, k], f64).mul(0.2))).requiresGrad_() : null;
    const cond: Conditioning = { latents: z ?? undefined, dropLatents: drop ? tensor([1, 0, 1, 0]).gt(0) : undefined };
    const w = rand([B, 7], f64);
    // Constant latents are the MLP's own ones (no gradient wanted); otherwise z's gradient reaches the encoder.
    const params = [E.table, E.nullEmbedding, proj.weight, proj.bias!, ...(z && !constant ? [z] : [])];
    const run = (f: () => Tensor) => {
      for (const p of [...params, ...(z ? [z] : [])]) p.grad?.zero_();
      const out = f().expand(B, 7);
      out.mul(w).sum().backward();
      return { out: out.detach().clone(), grads: params.map((p) => p.grad?.clone() ?? p.mul(0)) };
    };
    const direct = run(() => proj.forward(E.forward(cond, B).flatten(1)));
    const fast = run(() => (constant ? E.presence(cond, proj) : E.project(cond, proj)));
    assert.ok(maxDiff(direct.out, fast.out) < 1e-12, `values differ by ${maxDiff(direct.out, fast.out)}`);
    direct.grads.forEach((g, i) => assert.ok(maxDiff(g, fast.grads[i]!) < 1e-12, `gradient ${i} differs by ${maxDiff(g, fast.grads[i]!)}`));
  });
}

test('project = proj(flatten(E(z))): values and gradients (tables, nulls, weight, bias, z), m = 2 and k = 3, with and without dropout', () => {
  compare(2, 3, 4, false, false, true);
  compare(2, 3, 4, true, false, true);
});

test('presence = proj(flatten(E(z))) for a one-code table with every z = 1 (the MLP\'s presence input); project without latents', () => {
  compare(1, 1, 4, true, true, true);
  compare(1, 1, 4, false, true, true);
  compare(1, 1, 4, false, true, false);
  compare(2, 3, 4, false, false, false);
  tidy(() => assert.throws(() => new LatentEmbedding(2, 3, 5).project({ latents: rand([4, 2, 4]) }, new Linear(10, 7)),
    /latents have shape \[4, 2, 4\], expected \[B, 2, 3\]/));
});
