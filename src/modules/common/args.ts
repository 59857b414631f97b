// Shared argument schemas: paths, modes, owners. Values end up in shell commands (quoted) and file names.
import { z } from 'zod';

const noNewline = (s: string): boolean => !/[\n\r\0]/.test(s);

/** An absolute path on the host. */
export const absPath = z
  .string()
  .min(2)
  .refine((s) => s.startsWith('/') && noNewline(s), 'expected an absolute path without newlines');

/** A local path (relative to the playbook's directory, or absolute). */
export const localPath = z.string().min(1).refine(noNewline, 'newline in path');

/**
 * An octal mode as a string ("0644", "644", "2755"). YAML 1.2 reads an unquoted 0644 as the number 644,
 * so a number is taken by its decimal digits (644 -> "0644"); its digits must be octal.
 */
export const modeArg = z.preprocess(
  (v) => (typeof v === 'number' ? String(v) : v),
  z.string().regex(/^0?[0-7]{3,4}$/, 'expected an octal mode like "0644"'),
);

/** A user or group name, or a numeric id. */
export const ownerArg = z
  .string()
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*\$?$/, 'expected a user/group name or numeric id');

/** "644" -> "0644", "2755" -> "2755": the form `stat -c %a` is compared against. */
export function normalizeMode(mode: string): string {
  const digits = mode.replace(/^0(?=[0-7]{3,4}$)/, '');
  return digits.length === 3 ? `0${digits}` : digits;
}

/** `stat -c %a` prints "644" or "2755"; bring both to four digits. */
export function statMode(a: string): string {
  return a.length >= 4 ? a : a.padStart(4, '0');
}

/** The raw `src` argument when it is a plain path (not a template to be rendered per host). */
export function rawSrc(args: unknown): string | null {
  const src = args !== null && typeof args === 'object' ? (args as Record<string, unknown>)['src'] : undefined;
  return typeof src === 'string' && src !== '' && !src.includes('{{') ? src : null;
}
