/** Parsing of CLI option values with errors that name the option. */
import type { RestartInterval } from '../edm/samplers.js';

/** A positive integer option. */
export function posInt(name: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got '${v}'`);
    return n;
  };
}

/** A non-negative integer option. */
export function nonNegInt(name: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got '${v}'`);
    return n;
  };
}

/** A comma-separated list of non-negative integers, e.g. `3,41`. */
export function nonNegInts(name: string): (v: string) => number[] {
  return (v) => v.split(',').map((part) => nonNegInt(`${name} (each of '${v}')`)(part.trim()));
}

/** A finite number option. */
export function finite(name: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!Number.isFinite(n)) throw new Error(`${name} must be a number, got '${v}'`);
    return n;
  };
}

/** A positive finite number option. */
export function positive(name: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got '${v}'`);
    return n;
  };
}

/** One of a fixed set of words. */
export function oneOf<T extends string>(name: string, choices: readonly T[]): (v: string) => T {
  return (v) => {
    if (!choices.includes(v as T)) throw new Error(`${name} must be one of ${choices.join('|')}, got '${v}'`);
    return v as T;
  };
}

/**
 * A repeatable Restart interval option `t_min,t_max,K,steps` (e.g. 0.06,0.3,2,2), collected into a
 * list; the sampler checks the values against its grid.
 */
export function restartIntervals(name: string): (v: string, acc?: RestartInterval[]) => RestartInterval[] {
  return (v, acc = []) => {
    const p = v.split(',').map(Number);
    if (p.length !== 4 || !p.every(Number.isFinite)) throw new Error(`${name} must be t_min,t_max,K,steps (4 numbers), got '${v}'`);
    const [tMin, tMax, K, steps] = p as [number, number, number, number];
    return [...acc, { tMin, tMax, K, steps }];
  };
}

/** A point `x,y,z` of three finite numbers. */
export function vec3(name: string): (v: string) => [number, number, number] {
  return (v) => {
    const parts = v.split(',').map((s) => Number(s.trim()));
    if (parts.length !== 3 || parts.some((x) => !Number.isFinite(x)) || v.split(',').some((s) => s.trim() === '')) {
      throw new Error(`${name} must be three numbers x,y,z, got '${v}'`);
    }
    return parts as [number, number, number];
  };
}
