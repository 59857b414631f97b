// Resolve a SecretRef ({env} or {file}) into a Secret, only when a request needs it.
import { readFile } from 'node:fs/promises';
import { ConfigError, type SourceLocation } from '../core/errors.js';
import { Secret } from '../core/secret.js';
import type { SecretRef } from '../inventory/types.js';

export async function resolveSecretRef(
  ref: SecretRef,
  where: { keyPath: string; location: SourceLocation | null },
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<Secret> {
  if ('env' in ref) {
    const value = env[ref.env];
    if (value === undefined || value === '') {
      throw ConfigError.single(where.location, where.keyPath, `environment variable ${ref.env} is not set`);
    }
    return new Secret(value);
  }
  let text: string;
  try {
    text = await readFile(ref.file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw ConfigError.single(where.location, where.keyPath, `cannot read secret file ${ref.file} (${code})`);
  }
  const value = text.replace(/\r?\n$/, '');
  if (value === '') throw ConfigError.single(where.location, where.keyPath, `secret file ${ref.file} is empty`);
  return new Secret(value);
}
