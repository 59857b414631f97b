// loadInventory: one YAML file, or a directory whose *.yml / *.yaml files are merged in name order.
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ConfigError, type ConfigIssue } from '../core/errors.js';
import { displayPath } from '../config/display-path.js';
import { loadYamlSource, sourceLocator } from '../config/yaml-source.js';
import { validate } from '../config/zod-issues.js';
import { buildInventory, type ParsedInventoryFile } from './build.js';
import { inventoryFileSchema } from './schema.js';
import type { Inventory } from './types.js';

/** Loads and validates an inventory; every problem in every file is reported in one ConfigError. */
export async function loadInventory(path: string): Promise<Inventory> {
  const files = await inventoryFiles(resolve(path));
  const issues: ConfigIssue[] = [];
  const parsed: ParsedInventoryFile[] = [];
  for (const file of files) {
    const source = await loadYamlSource(file);
    if (source.issues.length > 0) {
      issues.push(...source.issues);
      continue;
    }
    const result = validate(inventoryFileSchema, source.data, sourceLocator(source));
    if (result.ok) parsed.push({ path: file, source, data: result.data ?? {} });
    else issues.push(...result.issues);
  }
  // Cross-file checks (duplicates, unknown members) only make sense once every file is valid on its own.
  if (issues.length > 0) throw new ConfigError(issues);
  const built = buildInventory(parsed);
  if (built.issues.length > 0) throw new ConfigError(built.issues);
  return built.inventory;
}

async function inventoryFiles(path: string): Promise<string[]> {
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(path)).isDirectory();
  } catch {
    throw ConfigError.single(null, '', `inventory ${displayPath(path)} does not exist`);
  }
  if (!isDirectory) return [path];
  const names = (await readdir(path)).filter((n) => /\.ya?ml$/.test(n) && !n.startsWith('.')).sort();
  if (names.length === 0)
    throw ConfigError.single(null, '', `inventory directory ${displayPath(path)} holds no *.yml or *.yaml file`);
  return names.map((n) => join(path, n));
}
