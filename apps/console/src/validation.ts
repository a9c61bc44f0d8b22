import type { Response } from 'express';
import type { z } from 'zod';

/** The 400 body every route answers for bad input: a readable sentence and the offending fields. */
export type ValidationError = { error: string; fields: string[] };

/** Turns zod issues into the console's 400 body: `fields` names the top-level inputs at fault. */
export function validationError(issues: readonly z.core.$ZodIssue[], what: string): ValidationError {
  // An unknown key (a strict object) names itself; other issues name the input they are about.
  const named = issues.flatMap((i) => (i.code === 'unrecognized_keys' && i.path.length === 0 ? i.keys : [String(i.path[0] ?? '')]));
  const fields = [...new Set(named.filter((f) => f !== ''))];
  const details = issues.map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message));
  return { error: `invalid ${what}: ${details.join('; ')}`, fields };
}

/**
 * Parses `input` with `schema`, or answers 400 and returns undefined. Handlers call this first and
 * return when it gives nothing.
 */
export function parseOr400<S extends z.ZodType>(res: Response, schema: S, input: unknown, what: string): z.output<S> | undefined {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  res.status(400).json(validationError(parsed.error.issues, what));
  return undefined;
}
