// File paths in messages are relative to the current working directory.
import { isAbsolute, relative, resolve } from 'node:path';

/** Relative to cwd when the file is inside it; absolute otherwise (a long "../../" chain helps nobody). */
export function displayPath(file: string, cwd: string = process.cwd()): string {
  const absolute = resolve(cwd, file);
  const rel = relative(cwd, absolute);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return absolute;
  return rel;
}
