// Host names in whitelists: resolved on the workstation (the operator's resolver, once per command, before any
// host is contacted), so the list file on the node holds addresses and its diff shows what each name became.
import { ConfigError, type ConfigIssue, type SourceLocation } from '../core/errors.js';
import { formatKeyPath, type PathSegment } from '../config/key-path.js';
import { isPlainObject } from '../config/zod-issues.js';

/** Host name -> its IPv4 addresses, sorted; what the whitelists of this command's stack hosts name. */
export type ResolvedNames = Readonly<Record<string, readonly string[]>>;

/** The magic variable the engine carries them in (absent: the command writes no list, e.g. status). */
export const RESOLVED_NAMES_VAR = 'resolved_names';

/** A DNS name with at least one letter (so 10.0.0.1 and ranges stay addresses). */
const HOST_NAME_RE =
  /^(?=.{1,253}$)(?=.*[A-Za-z])[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

export function isWhitelistHostName(entry: string): boolean {
  return HOST_NAME_RE.test(entry);
}

/** One place a host name is used: for the error if it does not resolve. */
export interface NameUse {
  name: string;
  /** The variable layer, e.g. "vars", "groups.ingress.vars", "[1].vars" (a play), "-e". */
  layer: string;
  path: PathSegment[];
  location: SourceLocation | null;
}

/** A layer of variables that may set `whitelists`, with where its values were written. */
export interface NameLayer {
  layer: string;
  vars: Readonly<Record<string, unknown>>;
  locate: (path: readonly PathSegment[]) => SourceLocation | null;
}

/** Every host name in every layer's `whitelists` (unvalidated input: anything else is left to the schema). */
export function whitelistNameUses(layers: readonly NameLayer[]): NameUse[] {
  const uses: NameUse[] = [];
  for (const { layer, vars, locate } of layers) {
    const lists = vars.whitelists;
    if (!isPlainObject(lists)) continue;
    for (const [list, entries] of Object.entries(lists)) {
      if (!Array.isArray(entries)) continue;
      entries.forEach((entry: unknown, i) => {
        if (typeof entry !== 'string' || !isWhitelistHostName(entry)) return;
        const path = ['whitelists', list, i];
        uses.push({ name: entry, layer, path, location: locate(path) });
      });
    }
  }
  return uses;
}

export type LookupIPv4 = (name: string) => Promise<string[]>;

/**
 * Resolves each name once (at most 16 at a time, each within `timeoutMs`). A name that does not resolve is a
 * ConfigError naming every place it is used: the command stops before it contacts any host.
 */
export async function resolveWhitelistNames(
  uses: readonly NameUse[],
  lookup: LookupIPv4,
  timeoutMs = 5000,
): Promise<ResolvedNames> {
  const names = [...new Set(uses.map((u) => u.name))];
  const results = new Map<string, string[] | Error>();
  for (let i = 0; i < names.length; i += 16) {
    const chunk = names.slice(i, i + 16);
    const settled = await Promise.all(
      chunk.map((n) =>
        withTimeout(lookup(n), timeoutMs, n).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e)))),
      ),
    );
    chunk.forEach((n, j) => results.set(n, settled[j] ?? new Error('no result')));
  }
  const issues: ConfigIssue[] = [];
  const resolved: Record<string, string[]> = {};
  for (const [name, result] of results) {
    const failed = result instanceof Error ? result.message : result.length === 0 ? 'no IPv4 address' : null;
    if (failed === null && Array.isArray(result)) resolved[name] = [...new Set(result)].sort(compareIPv4);
    else
      for (const use of uses.filter((u) => u.name === name))
        issues.push({
          location: use.location,
          path: `${use.layer}.${formatKeyPath(use.path)}`,
          message: `host name "${name}" does not resolve on this workstation: ${failed ?? 'unknown'}`,
        });
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return resolved;
}

function withTimeout<T>(promise: Promise<T>, ms: number, name: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms for ${name}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function compareIPv4(a: string, b: string): number {
  const n = (ip: string) => ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
  return n(a) - n(b);
}

/**
 * The lines of a whitelist file: CIDRs as written, ranges expanded, each host name as a comment line followed by
 * its addresses. `names` undefined: the command writes no list (status, restore), a name then stays a comment.
 */
export function whitelistLines(
  list: string,
  entries: readonly string[],
  names: ResolvedNames | undefined,
  expandRange: (entry: string) => string[] | null,
): string[] {
  return entries.flatMap((e) => {
    if (!isWhitelistHostName(e)) return e.includes('/') ? [e] : (expandRange(e) ?? []);
    const addresses = names?.[e];
    if (addresses) return [`# ${e}: ${addresses.join(' ')}`, ...addresses];
    if (names === undefined) return [`# ${e}: not resolved by this command`];
    throw ConfigError.single(null, `whitelists.${list}`, `host name "${e}" was not resolved before deriving`);
  });
}

/** The resolved names the engine passed in the variables, or undefined when this command resolved none. */
export function resolvedNamesIn(vars: unknown): ResolvedNames | undefined {
  const names = isPlainObject(vars) ? vars[RESOLVED_NAMES_VAR] : undefined;
  return isPlainObject(names) ? (names as ResolvedNames) : undefined;
}
