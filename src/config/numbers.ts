/** The number schemas every config section is built from. */
import { z } from 'zod';

/** A positive number. */
export const pos = z.number().positive();
/** An integer. */
export const int = z.number().int();
/** A positive integer. */
export const posInt = int.positive();
/** A positive integer up to `max`. */
export const upTo = (max: number) => posInt.max(max, { error: `must be at most ${max}` });
