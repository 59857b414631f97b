// Text of a value that came from outside (an API's JSON, a YAML scalar): scalars as themselves, anything else as JSON.

export function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value === undefined || value === null) return '';
  return JSON.stringify(value);
}
