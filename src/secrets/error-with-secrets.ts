// An error raised once a run's secrets are known: the CLI redacts the lines it prints for it with them.
import type { SecretSet } from './secret-set.js';

export class ErrorWithSecrets extends Error {
  readonly error: unknown;
  readonly secrets: SecretSet;
  constructor(error: unknown, secrets: SecretSet) {
    super(error instanceof Error ? secrets.redact(error.message) : 'error');
    this.name = 'ErrorWithSecrets';
    this.error = error;
    this.secrets = secrets;
  }
}

/** Runs `fn`; whatever it throws reaches the CLI wrapped with the secrets to redact its text with. */
export async function withSecrets<T>(secrets: SecretSet, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw new ErrorWithSecrets(error, secrets);
  }
}
