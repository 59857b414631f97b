// Variables given by reference: `{ env: NAME }`, `{ file: PATH }` or an ansible-vault string. The resolver
// replaces each by its clear value (templates and modules need it) and remembers every value it produced,
// so the run's SecretSet can redact them wherever they would be printed.
import { InputFileError, readInputText } from '../config/read-input.js';
import { homedir } from 'node:os';
import { dirname, resolve } from 'node:path';
import { ConfigError, type SourceLocation } from '../core/errors.js';
import { joinKeyPath, type PathSegment, formatKeyPath } from '../config/key-path.js';
import { SecretSet } from './secret-set.js';
import { decryptVault, isVaultText, VaultError } from './vault.js';

/** Where a vars tree came from: error paths, file:line, and the directory `{ file: }` paths are relative to. */
export interface VarsScope {
  /** Printed key path of the tree, e.g. "hosts.lb01.vars", "[0].vars", "-e". */
  name: string;
  /** For `{ file: }` paths when the reference's own location is unknown. */
  baseDir: string;
  locate: (path: readonly PathSegment[]) => SourceLocation | null;
}

export interface SecretSources {
  env: Readonly<Record<string, string | undefined>>;
  /** From --vault-password-file or --ask-vault-pass; null when neither was given. */
  vaultPassword: string | null;
}

export class SecretResolver {
  readonly #sources: SecretSources;
  readonly #values = new Set<string>();
  // A vault or file shared by many hosts (a range, a group) is opened once: PBKDF2 costs milliseconds.
  readonly #cache = new Map<string, string>();

  constructor(sources: SecretSources) {
    this.#sources = sources;
  }

  /** Every secret value resolved so far, as the set reporters redact with. */
  secrets(): SecretSet {
    return new SecretSet(this.#values);
  }

  /** Marks values as secret without resolving anything (the strings of a vault-encrypted vars file). */
  add(values: Iterable<string>): void {
    for (const v of values) this.#values.add(v);
  }

  /** A copy of `vars` with every reference replaced by its clear value, at any depth. */
  resolveVars(vars: Readonly<Record<string, unknown>>, scope: VarsScope): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(vars)) out[key] = this.#resolve(value, [key], scope, 0);
    return out;
  }

  /** Opens a whole vault-encrypted file's text. */
  decryptFile(text: string, location: SourceLocation | null, path: string): string {
    return this.#decrypt(text, location, path);
  }

  #resolve(value: unknown, path: PathSegment[], scope: VarsScope, depth: number): unknown {
    if (typeof value === 'string') {
      if (isVaultText(value))
        return this.#remember(this.#decrypt(value, scope.locate(path), this.#keyPath(scope, path)));
      // A password written in clear under a password-like key is no less secret.
      const key = path[path.length - 1];
      if (typeof key === 'string' && SECRET_KEY.test(key)) this.#values.add(value);
      return value;
    }
    if (depth >= 32 || value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) return value.map((item, i) => this.#resolve(item, [...path, i], scope, depth + 1));
    const ref = asReference(value);
    if (ref) return this.#remember(this.#reference(ref, path, scope));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = this.#resolve(v, [...path, k], scope, depth + 1);
    return out;
  }

  #keyPath(scope: VarsScope, path: readonly PathSegment[]): string {
    return joinKeyPath(scope.name, formatKeyPath(path));
  }

  #remember(value: string): string {
    this.#values.add(value);
    return value;
  }

  #reference(ref: Reference, path: PathSegment[], scope: VarsScope): string {
    const where = scope.locate(path);
    const keyPath = this.#keyPath(scope, path);
    if ('env' in ref) {
      const value = this.#sources.env[ref.env];
      if (value === undefined || value === '')
        throw ConfigError.single(where, keyPath, `environment variable ${ref.env} is not set`);
      return value;
    }
    // Relative to the file that holds the reference, as every path in the inventory is.
    const baseDir = where ? dirname(resolve(where.file)) : scope.baseDir;
    const file = ref.file.startsWith('~/') ? resolve(homedir(), ref.file.slice(2)) : resolve(baseDir, ref.file);
    const cached = this.#cache.get(`file:${file}`);
    if (cached !== undefined) return cached;
    let text: string;
    try {
      text = readInputText(file);
    } catch (error) {
      if (!(error instanceof InputFileError)) throw error;
      throw ConfigError.single(where, keyPath, `cannot read secret file ${ref.file} (${error.reason})`);
    }
    // A vault-encrypted secret file is opened too; one trailing newline is not part of the value.
    const value = (isVaultText(text) ? this.#decrypt(text, where, keyPath) : text).replace(/\r?\n$/, '');
    if (value === '') throw ConfigError.single(where, keyPath, `secret file ${ref.file} is empty`);
    this.#cache.set(`file:${file}`, value);
    return value;
  }

  #decrypt(text: string, where: SourceLocation | null, keyPath: string): string {
    const cached = this.#cache.get(`vault:${text}`);
    if (cached !== undefined) return cached;
    const password = this.#sources.vaultPassword;
    if (password === null)
      throw ConfigError.single(
        where,
        keyPath,
        'the value is vault-encrypted: give --vault-password-file PATH or --ask-vault-pass',
      );
    try {
      const { plaintext } = decryptVault(text, password);
      this.#cache.set(`vault:${text}`, plaintext);
      return plaintext;
    } catch (error) {
      if (error instanceof VaultError) throw ConfigError.single(where, keyPath, `cannot decrypt: ${error.message}`);
      throw error;
    }
  }
}

/** Keys whose clear-text string values are secret too: keepalived_auth_pass, stats_auth, a nested `pass`, api_token... */
export const SECRET_KEY = /(^|_)pass(word|phrase)?$|secret|token|private_key|(^|_)auth$/i;

type Reference = { env: string } | { file: string };

/** A mapping with exactly one key, `env` or `file`, holding a non-empty string. */
export function asReference(value: object): Reference | null {
  const keys = Object.keys(value);
  if (keys.length !== 1) return null;
  const record = value as Record<string, unknown>;
  const env = record['env'];
  if (keys[0] === 'env' && typeof env === 'string' && env !== '') return { env };
  const file = record['file'];
  if (keys[0] === 'file' && typeof file === 'string' && file !== '') return { file };
  return null;
}
