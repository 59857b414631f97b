// Zod issues -> ConfigIssues with our own wording and the file:line of the offending key or value.
// Raw zod messages are never shown: a per-parse error map words every issue, and a schema may give
// its own expectation (`{ error: 'expected an integer 1-65535' }`). Messages that start with
// "expected" get ", got <value>" appended, so every type error says what was expected and what was found.
import type { z } from 'zod';
import type { ConfigIssue, SourceLocation } from '../core/errors.js';
import { describeValue } from './describe-value.js';
import { didYouMean } from './did-you-mean.js';
import { formatKeyPath, joinKeyPath, type PathSegment } from './key-path.js';

/** Finds locations for paths relative to the validated value. */
export interface Locator {
  value(path: readonly PathSegment[]): SourceLocation | null;
  key(path: readonly PathSegment[]): SourceLocation | null;
}

export type ValidationResult<T> =
  { ok: true; data: T; issues: [] } | { ok: false; data: undefined; issues: ConfigIssue[] };

interface RawIssue {
  code?: string;
  path?: PropertyKey[];
  inst?: unknown;
  [key: string]: unknown;
}

/** Prints an issue's path; a string is a printed prefix for the validated value's own path. */
export type PathPrinter = string | ((path: readonly PathSegment[]) => string);

/** Validates `input` against `schema`; issues are located with `locator`, paths printed below `basePath`. */
export function validate<T>(
  schema: z.ZodType<T>,
  input: unknown,
  locator: Locator,
  basePath: PathPrinter = '',
  /** Issues to leave out, by path (e.g. values that are still templates). */
  skip?: (path: readonly PathSegment[], code: string) => boolean,
): ValidationResult<T> {
  // Known keys of strict objects, captured while zod words the issue, for "did you mean".
  const knownKeys = new Map<string, string[]>();
  const result = schema.safeParse(input, {
    error: (raw) => {
      const issue = raw as RawIssue;
      if (issue.code === 'unrecognized_keys') knownKeys.set(JSON.stringify(issue.path ?? []), shapeKeys(issue.inst));
      return defaultMessage(issue);
    },
  });
  if (result.success) return { ok: true, data: result.data, issues: [] };
  // Every issue skipped: the caller accepts the input for now, but there is no parsed value.
  const issues: ConfigIssue[] = [];
  for (const issue of result.error.issues) {
    const path = issue.path.filter((s): s is PathSegment => typeof s === 'string' || typeof s === 'number');
    if (skip?.(path, issue.code)) continue;
    issues.push(...toConfigIssues(issue, path, input, locator, basePath, knownKeys.get(JSON.stringify(path)) ?? []));
  }
  return { ok: false, data: undefined, issues: sortByLocation(issues) };
}

/** Issues in reading order (zod reports unknown keys after the object's other issues). */
export function sortByLocation(issues: ConfigIssue[]): ConfigIssue[] {
  const rank = (i: ConfigIssue) =>
    i.location ? i.location.line * 100_000 + i.location.column : Number.MAX_SAFE_INTEGER;
  return issues
    .map((issue, index) => ({ issue, index }))
    .sort((x, y) => rank(x.issue) - rank(y.issue) || x.index - y.index)
    .map((x) => x.issue);
}

function toConfigIssues(
  issue: z.core.$ZodIssue,
  path: PathSegment[],
  input: unknown,
  locator: Locator,
  basePath: PathPrinter,
  known: string[],
): ConfigIssue[] {
  const printed = (p: PathSegment[]) =>
    typeof basePath === 'string' ? joinKeyPath(basePath, formatKeyPath(p)) : basePath(p);
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({
      location: locator.key([...path, key]),
      path: printed([...path, key]),
      message: `unknown key${didYouMean(key, known)}`,
    }));
  }
  if (issue.code === 'invalid_key') {
    return [{ location: locator.key(path), path: printed(path), message: issue.issues[0]?.message ?? 'invalid key' }];
  }
  const parentPath = path.slice(0, -1);
  const last = path[path.length - 1];
  const parent = valueAt(input, parentPath);
  if (typeof last === 'string' && isPlainObject(parent.value) && !Object.hasOwn(parent.value, last)) {
    return [
      { location: locator.key(parentPath), path: printed(parentPath), message: `missing required key "${last}"` },
    ];
  }
  const found = valueAt(input, path);
  const message =
    issue.message.startsWith('expected ') && found.exists
      ? `${issue.message}, got ${describeValue(found.value)}`
      : issue.message;
  return [{ location: locator.value(path), path: printed(path), message }];
}

/** The value at a path in plain data, and whether it exists. */
export function valueAt(data: unknown, path: readonly PathSegment[]): { exists: boolean; value: unknown } {
  let current: unknown = data;
  for (const seg of path) {
    if (Array.isArray(current) && typeof seg === 'number' && seg < current.length) current = current[seg];
    else if (isPlainObject(current) && Object.hasOwn(current, String(seg))) current = current[String(seg)];
    else return { exists: false, value: undefined };
  }
  return { exists: true, value: current };
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function shapeKeys(inst: unknown): string[] {
  const shape = (inst as { _zod?: { def?: { shape?: unknown } } } | undefined)?._zod?.def?.shape;
  return isPlainObject(shape) ? Object.keys(shape) : [];
}

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
  record: 'a mapping',
  null: 'null',
};

function defaultMessage(issue: RawIssue): string {
  const origin = typeof issue.origin === 'string' ? issue.origin : '';
  switch (issue.code) {
    case 'invalid_type': {
      const expected = String(issue.expected);
      return `expected ${TYPE_WORDS[expected] ?? expected}`;
    }
    case 'too_small':
      if (origin === 'string')
        return issue.minimum === 1
          ? 'expected a non-empty string'
          : `expected at least ${String(issue.minimum)} characters`;
      if (origin === 'array') return `expected at least ${String(issue.minimum)} item(s)`;
      return `expected a number ${issue.inclusive ? '>=' : '>'} ${String(issue.minimum)}`;
    case 'too_big':
      if (origin === 'string') return `expected at most ${String(issue.maximum)} characters`;
      if (origin === 'array') return `expected at most ${String(issue.maximum)} item(s)`;
      return `expected a number ${issue.inclusive ? '<=' : '<'} ${String(issue.maximum)}`;
    case 'invalid_format':
      return `expected ${formatWord(String(issue.format))}`;
    case 'invalid_value': {
      const values = Array.isArray(issue.values) ? issue.values : [];
      return `expected one of ${values.map((v) => JSON.stringify(v)).join(', ')}`;
    }
    case 'not_multiple_of':
      return `expected a multiple of ${String(issue.divisor)}`;
    case 'invalid_union':
      return 'expected one of the allowed forms';
    case 'unrecognized_keys':
      return 'unknown key';
    case 'invalid_key':
      return 'invalid key';
    case 'invalid_element':
      return 'invalid element';
    default:
      return 'invalid value';
  }
}

function formatWord(format: string): string {
  const words: Record<string, string> = {
    ipv4: 'an IPv4 address',
    ipv6: 'an IPv6 address',
    url: 'a URL',
    regex: 'a string in the required format',
    starts_with: 'a string with the required prefix',
  };
  return words[format] ?? `a valid ${format}`;
}
