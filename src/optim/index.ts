/** Optimisation: Adam/AdamW, schedules, gradient clipping, EMA. */
export * from './adam.js';
export * from './schedule.js';
export * from './ema.js';
