/** A seeded random stream for the pose maths on the CPU (sampling noise, initial poses). */

/** Uniform and standard-normal draws from one seeded stream (mulberry32 + Box–Muller). */
export class Rng {
  private s: number;
  private spare: number | null = null;

  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new Error(`seed must be an integer in [0, 2^32), got ${seed}`);
    this.s = seed >>> 0;
  }

  /** A uniform draw in [0, 1). */
  uniform(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let z = this.s;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return ((z ^ (z >>> 14)) >>> 0) / 4294967296;
  }

  /** A standard normal draw. */
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    const u = 1 - this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    const phi = 2 * Math.PI * this.uniform();
    this.spare = r * Math.sin(phi);
    return r * Math.cos(phi);
  }

  /** The stream's position, to continue it exactly after a restore (checkpoints). */
  state(): { state: number; spare: number | null } {
    return { state: this.s, spare: this.spare };
  }

  /** Puts the stream back at a position taken by state(). */
  restore(s: { state: number; spare: number | null }): void {
    this.s = s.state >>> 0;
    this.spare = s.spare;
  }

  /** Three standard normal draws. */
  normal3(): [number, number, number] {
    return [this.normal(), this.normal(), this.normal()];
  }
}
