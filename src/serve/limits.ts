/** The served page's caps on one request, shared by the facts the page shows and the validator. */

/** Caps on one request, so no request can hold the server for long. */
export const LIMITS = {
  /** Images per grid, and per side of the switching comparison. */
  images: 64,
  /** 2-D samples per scatter, and ODE trajectories drawn among them. */
  points: 4000,
  trajectories: 200,
  steps: 200,
  /** Guidance weight range (0 = unconditional, 1 = plain conditional). */
  guidance: [0, 10] as const,
  seed: 2 ** 31 - 1,
} as const;
