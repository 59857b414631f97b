// A value that never prints itself: logs, JSON events and error messages see "[redacted]".
import { inspect } from 'node:util';

export const REDACTED = '[redacted]';

export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  /** The clear value, for the one place that must send it (an HTTP header, an SSH passphrase). */
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return REDACTED;
  }
  toJSON(): string {
    return REDACTED;
  }
  [inspect.custom](): string {
    return REDACTED;
  }
}

/** Replace every occurrence of each secret's value in `text` (for command output and error text). */
export function redact(text: string, secrets: Iterable<Secret>): string {
  let out = text;
  for (const s of secrets) {
    const v = s.reveal();
    if (v.length >= 4) out = out.split(v).join(REDACTED);
  }
  return out;
}
