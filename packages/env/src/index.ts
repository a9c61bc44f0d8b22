/**
 * zod helpers for environment variables, shared by the configuration and the providers' own
 * variables (each provider declares its own in its folder, and the configuration reads them all).
 */
import { z } from 'zod';

/** A boolean read from the environment: "1", "true", "yes", "on" are true; "0", "false", "no", "off", "" are false. */
export const envBoolean = (fallback: boolean) =>
  z
    .string()
    .trim()
    .toLowerCase()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return fallback;
      if (['1', 'true', 'yes', 'on'].includes(v)) return true;
      if (['0', 'false', 'no', 'off'].includes(v)) return false;
      ctx.addIssue({ code: 'custom', message: `expected a boolean (true/false/1/0), got "${v}"` });
      return z.NEVER;
    });

/** A TCP port; 0 asks the OS for a free one. */
export const envPort = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);

/** A positive integer with a default. */
export const envInt = (fallback: number, min = 1, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

/** A URL whose protocol is one of `protocols`. */
export const envUrl = (protocols: string[]) =>
  z
    .string()
    .trim()
    .refine((v) => {
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    }, `expected a ${protocols.map((p) => p.replace(':', '')).join(' or ')} URL`);

/** An optional string: unset and empty both mean "not configured". */
export const envOptional = () =>
  z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

/** A comma-separated list, trimmed, empty items dropped. */
export const envList = () =>
  z
    .string()
    .optional()
    .transform((v) => (v ?? '').split(',').map((s) => s.trim()).filter(Boolean));
