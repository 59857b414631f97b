// The secret values of one run, built once at load and handed to whatever prints: reporters, the JSON
// stream, diffs, error formatting, `inventory`. Redaction is by VALUE, wherever the value occurs.
import { REDACTED, type Secret } from '../core/secret.js';

/** Shorter values would match all over ordinary output; they are not redacted (see the README). */
export const MIN_SECRET_LENGTH = 4;

export class SecretSet {
  /** Longest first, so a secret that contains another is replaced whole. */
  readonly #needles: readonly string[];

  constructor(values: Iterable<string | Secret>) {
    const needles = new Set<string>();
    for (const v of values) {
      const value = typeof v === 'string' ? v : v.reveal();
      for (const form of printedForms(value)) if (form.length >= MIN_SECRET_LENGTH) needles.add(form);
    }
    this.#needles = [...needles].sort((a, b) => b.length - a.length);
  }

  static readonly empty = new SecretSet([]);

  get size(): number {
    return this.#needles.length;
  }

  /** A set holding this one's values and `more`. */
  with(values: Iterable<string | Secret>): SecretSet {
    return new SecretSet([...this.#needles, ...values]);
  }

  /** `text` with every occurrence of every secret replaced by "[redacted]". */
  redact(text: string): string {
    if (this.#needles.length === 0) return text;
    let out = text;
    for (const needle of this.#needles) if (out.includes(needle)) out = out.split(needle).join(REDACTED);
    return out;
  }

  /** A copy of a JSON-like value (event, inventory view) with every string redacted, keys included. */
  redactDeep<T>(value: T): T {
    return (this.#needles.length === 0 ? value : this.#walk(value, 0)) as T;
  }

  /** True when `text` holds any secret value: for tests and assertions. */
  leaks(text: string): boolean {
    return this.#needles.some((n) => text.includes(n));
  }

  #walk(value: unknown, depth: number): unknown {
    if (typeof value === 'string') return this.redact(value);
    if (depth > 64 || value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) return value.map((v) => this.#walk(v, depth + 1));
    if (!isPlainRecord(value)) return value; // Secret, Buffer, Date...: they print themselves
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[this.redact(k)] = this.#walk(v, depth + 1);
    return out;
  }
}

function isPlainRecord(value: object): value is Record<string, unknown> {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * The value as it may appear in output: itself, escaped inside a JSON string, and its lines when it
 * spans several (a diff or an output tail prints a multi-line secret one line at a time).
 */
function printedForms(value: string): string[] {
  const forms = [value, JSON.stringify(value).slice(1, -1), value.replaceAll("'", `'\\''`)];
  if (value.includes('\n')) forms.push(...value.split(/\r?\n/).map((l) => l.trim()));
  return forms;
}
