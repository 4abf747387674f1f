// The 8-Gaussians circle (σ = 0.2 per mode) as plain points, for the codebook tests.

/** A seeded uniform stream that does not touch libtorch. */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** The 8 mode centres, radius 3. */
export const CIRCLE = Array.from({ length: 8 }, (_, j) => [3 * Math.cos((j * Math.PI) / 4), 3 * Math.sin((j * Math.PI) / 4)]);

/** Distance from c to the nearest true mode centre. */
export const nearestTrue = (c: number[]): number => Math.min(...CIRCLE.map((t) => Math.hypot(c[0]! - t[0]!, c[1]! - t[1]!)));

/** Points of the 8 modes (σ = 0.2) and the codes that a given mode → code map assigns them. */
export function assigned(map: (mode: number, i: number) => number, perMode = 40): { points: number[][]; codes: number[] } {
  const u = lcg(1);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
  const points: number[][] = [], codes: number[] = [];
  CIRCLE.forEach((c, mode) => {
    for (let i = 0; i < perMode; i++) {
      points.push([c[0]! + 0.2 * gauss(), c[1]! + 0.2 * gauss()]);
      codes.push(map(mode, i));
    }
  });
  return { points, codes };
}
