/** Parsing of CLI option values with errors that name the option. */

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

/** A finite number option. */
export function finite(name: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!Number.isFinite(n)) throw new Error(`${name} must be a number, got '${v}'`);
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
