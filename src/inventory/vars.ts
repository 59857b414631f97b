// Variables: merging layers, where each value was set, extra vars from the command line, and
// validating a host's final variables with the file:line of the layer that set each value.
import { dirname, resolve } from 'node:path';
import type { z } from 'zod';
import { ConfigError, type ConfigIssue, type SourceLocation } from '../core/errors.js';
import { displayPath } from '../config/display-path.js';
import { formatKeyPath, joinKeyPath, type PathSegment } from '../config/key-path.js';
import { InputFileError, readInputText } from '../config/read-input.js';
import { parseYamlSource, sourceLocator, type YamlSource } from '../config/yaml-source.js';
import { isPlainObject, validate } from '../config/zod-issues.js';
import type { SecretResolver } from '../secrets/references.js';
import { isVaultText } from '../secrets/vault.js';
import type { Host, Inventory } from './types.js';

/**
 * Merges variable layers, lowest precedence first. A later layer REPLACES a whole top-level
 * variable (Ansible's default hash_behaviour=replace): nested mappings are not deep-merged, so a
 * host's `backends:` list never silently mixes with a group's.
 */
export function mergeVars(
  ...layers: ReadonlyArray<Readonly<Record<string, unknown>> | undefined>
): Record<string, unknown> {
  const merged: Record<string, unknown> = {};
  for (const layer of layers) if (layer) for (const [key, value] of Object.entries(layer)) merged[key] = value;
  return merged;
}

/** Records where every variable (and every nested key or item under it) was set: "<scope>/<path>" -> location. */
export function recordVarLocations(
  into: Map<string, SourceLocation>,
  scope: string,
  vars: Readonly<Record<string, unknown>>,
  source: YamlSource,
  varsPath: readonly PathSegment[],
): void {
  const visit = (value: unknown, path: PathSegment[], depth: number): void => {
    const location = sourceLocator(source, varsPath).value(path);
    if (location) into.set(`${scope}/${formatKeyPath(path)}`, location);
    if (depth >= 8) return;
    if (Array.isArray(value)) value.forEach((item, i) => visit(item, [...path, i], depth + 1));
    else if (isPlainObject(value)) for (const [k, v] of Object.entries(value)) visit(v, [...path, k], depth + 1);
  };
  for (const [key, value] of Object.entries(vars)) visit(value, [key], 0);
}

/** A host's groups in precedence order: parents before children (by depth below `all`), then by name. */
export function groupsByPrecedence(inventory: Inventory, host: Host): string[] {
  const parents = new Map<string, string[]>();
  for (const group of inventory.groups.values()) {
    if (group.name === 'all') continue;
    for (const child of group.children) parents.set(child, [...(parents.get(child) ?? []), group.name]);
  }
  const depthCache = new Map<string, number>();
  // Longest chain of parents; the loader has already rejected cycles.
  const depth = (name: string): number => {
    const cached = depthCache.get(name);
    if (cached !== undefined) return cached;
    const d = 1 + Math.max(0, ...(parents.get(name) ?? []).map(depth));
    depthCache.set(name, d);
    return d;
  };
  return host.groups.filter((g) => g !== 'all').sort((a, b) => depth(a) - depth(b) || (a < b ? -1 : a > b ? 1 : 0));
}

/** A layer above the inventory (play vars, extra vars) for validateHostVars. */
export interface VarLayer {
  /** Printed key path of the layer, e.g. "[0].vars" for a play or "-e" for extra vars. */
  name: string;
  vars: Readonly<Record<string, unknown>>;
  /** Where a variable path was set, when known. */
  locate?: (path: readonly PathSegment[]) => SourceLocation | null;
}

/**
 * Validates a host's final variables (inventory < groups < host < `extra` layers, lowest first)
 * against `schema`. Each issue points at the layer that set the winning top-level variable.
 */
export function validateHostVars(
  inventory: Inventory,
  hostName: string,
  schema: z.ZodType,
  extra: readonly VarLayer[] = [],
): ConfigIssue[] {
  const host = inventory.hosts.get(hostName);
  if (!host) return [{ location: null, path: '', message: `unknown host "${hostName}"` }];
  const fromInventory = (scope: string, name: string, vars: Readonly<Record<string, unknown>>): VarLayer => ({
    name,
    vars,
    locate: (path) => lookupLocation(inventory.varLocations, scope, path),
  });
  const layers: VarLayer[] = [
    fromInventory('all', 'vars', inventory.vars),
    ...groupsByPrecedence(inventory, host).map((g) =>
      fromInventory(`group:${g}`, `groups.${g}.vars`, inventory.groups.get(g)?.vars ?? {}),
    ),
    fromInventory(`host:${host.name}`, `hosts.${host.name}.vars`, hostOwnVars(inventory, host)),
    ...extra,
  ];
  const winner = (path: readonly PathSegment[]): VarLayer | undefined => {
    const top = path[0];
    if (top === undefined) return undefined;
    return [...layers].reverse().find((layer) => Object.hasOwn(layer.vars, String(top)));
  };
  const hostLayerName = `hosts.${host.name}.vars`;
  const locateIn = (path: readonly PathSegment[]): SourceLocation | null => {
    const layer = winner(path);
    return layer?.locate?.(path) ?? host.location;
  };
  const result = validate(
    schema,
    mergeVars(host.vars, ...extra.map((l) => l.vars)),
    { value: locateIn, key: locateIn },
    (path) => joinKeyPath(winner(path)?.name ?? hostLayerName, formatKeyPath(path)),
  );
  return result.issues;
}

/** The variables set on the host itself (recovered from varLocations, since Host.vars is merged). */
export function hostOwnVars(inventory: Inventory, host: Host): Record<string, unknown> {
  const own: Record<string, unknown> = {};
  for (const key of Object.keys(host.vars))
    if (inventory.varLocations.has(`host:${host.name}/${key}`)) own[key] = host.vars[key];
  return own;
}

/** The location of the longest recorded prefix of `path` in a scope. */
export function lookupLocation(
  locations: ReadonlyMap<string, SourceLocation>,
  scope: string,
  path: readonly PathSegment[],
): SourceLocation | null {
  for (let n = path.length; n > 0; n--) {
    const found = locations.get(`${scope}/${formatKeyPath(path.slice(0, n))}`);
    if (found) return found;
  }
  return null;
}

/**
 * Parses `-e` arguments, later ones winning: `key=value` (the value is a string; one pair per
 * argument, so values may hold spaces and "="), `@file.yml` (a YAML mapping, relative to `cwd`),
 * or an inline JSON object `{"key": 1}`. With a `resolver`, references (`{ env: }`, `{ file: }`, vault
 * strings) are resolved, and a vars file may be vault-encrypted as a whole (all its strings are secret).
 */
export function parseExtraVars(
  args: readonly string[],
  cwd: string,
  resolver?: SecretResolver,
): Record<string, unknown> {
  const issues: ConfigIssue[] = [];
  const layers: Record<string, unknown>[] = [];
  for (const arg of args) {
    if (arg.startsWith('@')) {
      const vars = loadVarsFile(resolve(cwd, arg.slice(1)), issues, resolver);
      if (vars) layers.push(vars);
    } else if (arg.trimStart().startsWith('{')) {
      try {
        const parsed: unknown = JSON.parse(arg);
        if (isPlainObject(parsed))
          layers.push(
            resolver ? resolver.resolveVars(parsed, { name: '-e', baseDir: cwd, locate: () => null }) : parsed,
          );
        else issues.push({ location: null, path: '', message: `-e '${arg}': expected a JSON object` });
      } catch (error) {
        issues.push({
          location: null,
          path: '',
          message: `-e '${arg}': invalid JSON: ${error instanceof Error ? error.message : String(error)}`,
        });
      }
    } else {
      const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(arg);
      if (match?.[1] !== undefined) layers.push({ [match[1]]: match[2] ?? '' });
      else
        issues.push({
          location: null,
          path: '',
          message: `-e '${arg}': expected key=value, @file.yml or a JSON object`,
        });
    }
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return mergeVars(...layers);
}

function loadVarsFile(
  path: string,
  issues: ConfigIssue[],
  resolver: SecretResolver | undefined,
): Record<string, unknown> | null {
  let text: string;
  try {
    text = readInputText(path);
  } catch (error) {
    if (!(error instanceof InputFileError)) throw error;
    const reason = error.reason;
    issues.push({ location: null, path: '', message: `-e @${displayPath(path)}: cannot read the file: ${reason}` });
    return null;
  }
  const encrypted = isVaultText(text);
  if (encrypted) {
    if (!resolver) {
      issues.push({ location: null, path: '', message: `-e @${displayPath(path)}: the file is vault-encrypted` });
      return null;
    }
    try {
      text = resolver.decryptFile(text, { file: displayPath(path), line: 1, column: 1 }, `-e @${displayPath(path)}`);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      issues.push(...error.issues);
      return null;
    }
  }
  const source = parseYamlSource(text, displayPath(path));
  if (source.issues.length > 0) {
    issues.push(...source.issues);
    return null;
  }
  if (source.data === null || source.data === undefined) return {};
  if (!isPlainObject(source.data)) {
    issues.push({ location: sourceLocator(source).value([]), path: '', message: 'expected a mapping of variables' });
    return null;
  }
  if (!resolver) return source.data;
  if (encrypted) resolver.add(stringLeaves(source.data));
  const locator = sourceLocator(source);
  try {
    return resolver.resolveVars(source.data, {
      name: `-e @${displayPath(path)}`,
      baseDir: dirname(path),
      locate: (p) => locator.value([...p]),
    });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    issues.push(...error.issues);
    return null;
  }
}

/** Every string in a vars tree (a vault-encrypted vars file is secret as a whole). */
function stringLeaves(value: unknown, depth = 0): string[] {
  if (typeof value === 'string') return [value];
  if (depth >= 32 || value === null || typeof value !== 'object') return [];
  return Object.values(value).flatMap((v) => stringLeaves(v, depth + 1));
}
