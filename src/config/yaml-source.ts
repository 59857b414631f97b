// A parsed YAML file that remembers where every node came from, so issues can name file:line:column.
import {
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  type Document,
  type Node,
  type Pair,
  type YAMLMap,
} from 'yaml';
import type { ConfigIssue, SourceLocation } from '../core/errors.js';
import { displayPath } from './display-path.js';
import type { PathSegment } from './key-path.js';
import { InputFileError, readInputText } from './read-input.js';
import { flowNestingOverflow, structureIssues } from './yaml-structure.js';

export interface YamlSource {
  /** The file as printed in messages (relative to cwd). */
  file: string;
  doc: Document;
  lineCounter: LineCounter;
  /** Plain data (aliases and merge keys resolved); undefined when the file has syntax errors. */
  data: unknown;
  /** YAML syntax errors, each at its position. */
  issues: ConfigIssue[];
  /** Per mapping node, its pairs by key: built on first lookup, so locating every key of a big map stays linear. */
  keyIndex: WeakMap<object, Map<string, Pair>>;
}

/** Parses YAML text; `file` is the path as it should appear in messages. */
export function parseYamlSource(text: string, file: string): YamlSource {
  const lineCounter = new LineCounter();
  const overflow = flowNestingOverflow(text);
  if (overflow >= 0) {
    // Not parsed at all: the yaml library exhausts memory on such text. Lines are counted by hand.
    const empty = parseYamlSource('', file);
    const line = text.slice(0, overflow).split('\n').length;
    const column = overflow - text.lastIndexOf('\n', overflow - 1);
    empty.issues.push({
      location: { file, line, column },
      path: '',
      message: 'invalid YAML: "[" and "{" nested deeper than 1000 levels',
    });
    return empty;
  }
  // Duplicate keys are found by structureIssues: the yaml library's own check is quadratic in a mapping's size.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, merge: true, uniqueKeys: false });
  const source: YamlSource = { file, doc, lineCounter, data: undefined, issues: [], keyIndex: new WeakMap() };
  for (const error of doc.errors) {
    source.issues.push({
      location: offsetLocation(source, error.pos[0]),
      path: '',
      message: `invalid YAML: ${yamlMessage(error.message, error.code)}`,
    });
  }
  if (source.issues.length > 0) return source;
  for (const issue of structureIssues(doc, MAX_ALIAS_EXPANSIONS)) {
    source.issues.push({
      location: offsetLocation(source, issue.offset),
      path: '',
      message: `invalid YAML: ${issue.message}`,
    });
  }
  if (source.issues.length === 0) source.data = doc.toJS({ maxAliasCount: -1 });
  return source;
}

/** Aliases may add this many nodes in all (structureIssues counts them, so the library's own count is off). */
const MAX_ALIAS_EXPANSIONS = 100_000;

/** Reads and parses a YAML file; a missing or unreadable file is an issue without a line. */
export function loadYamlSource(path: string): Promise<YamlSource> {
  return Promise.resolve(readYamlSource(path));
}

function readYamlSource(path: string): YamlSource {
  const file = displayPath(path);
  let text: string;
  try {
    text = readInputText(path);
  } catch (error) {
    if (!(error instanceof InputFileError)) throw error;
    const source = parseYamlSource('', file);
    source.issues.push({ location: null, path: '', message: `cannot read ${file}: ${error.reason}` });
    return source;
  }
  return parseYamlSource(text, file);
}

function yamlMessage(message: string, code: string): string {
  if (code === 'DUPLICATE_KEY') return 'duplicate key in a mapping';
  return message.replace(/\s+/g, ' ').replace(/\.$/, '');
}

export function offsetLocation(source: Pick<YamlSource, 'file' | 'lineCounter'>, offset: number): SourceLocation {
  const { line, col } = source.lineCounter.linePos(offset);
  return { file: source.file, line, column: col };
}

function nodeLocation(source: YamlSource, node: unknown): SourceLocation | null {
  if (node && typeof node === 'object' && 'range' in node) {
    const range = (node as Node).range;
    if (range) return offsetLocation(source, range[0]);
  }
  return null;
}

function pairsByKey(source: YamlSource, map: YAMLMap): Map<string, Pair> {
  let index = source.keyIndex.get(map);
  if (!index) {
    index = new Map();
    // The first pair of a key wins, as the earlier linear search did (duplicates are an issue anyway).
    for (const p of map.items)
      if (isPair(p) && isScalar(p.key) && !index.has(String(p.key.value))) index.set(String(p.key.value), p);
    source.keyIndex.set(map, index);
  }
  return index;
}

/** The node at `path`, and the deepest node found on the way when the path does not exist. */
function walk(
  source: YamlSource,
  path: readonly PathSegment[],
): { node: unknown; keyNode: unknown; found: boolean; deepest: unknown } {
  let node: unknown = source.doc.contents;
  let keyNode: unknown = null;
  let deepest: unknown = node;
  for (const seg of path) {
    let next: unknown = undefined;
    let nextKey: unknown = null;
    if (isMap(node)) {
      const pair = pairsByKey(source, node).get(String(seg));
      if (pair) {
        next = pair.value ?? pair.key;
        nextKey = pair.key;
      }
    } else if (isSeq(node) && typeof seg === 'number') {
      next = node.items[seg];
    }
    if (next === undefined) return { node: undefined, keyNode: null, found: false, deepest };
    node = next;
    keyNode = nextKey;
    deepest = next;
  }
  return { node, keyNode, found: true, deepest };
}

/** Location of the value at `path`; when the path is missing, of the deepest existing node on it. */
export function locateValue(source: YamlSource, path: readonly PathSegment[]): SourceLocation | null {
  const result = walk(source, path);
  return nodeLocation(source, result.found ? result.node : result.deepest);
}

/** Location of the key at the end of `path` (falls back to the value's location). */
export function locateKey(source: YamlSource, path: readonly PathSegment[]): SourceLocation | null {
  const result = walk(source, path);
  if (result.found && result.keyNode) return nodeLocation(source, result.keyNode);
  return locateValue(source, path);
}

/** For a scalar at `path`, the location of character `offset` within its text (exact for plain and quoted one-line scalars). */
export function locateInScalar(
  source: YamlSource,
  path: readonly PathSegment[],
  offset: number,
): SourceLocation | null {
  const result = walk(source, path);
  const base = locateValue(source, path);
  if (!base || !result.found || !isScalar(result.node)) return base;
  const type = result.node.type;
  const value = result.node.value;
  if (typeof value !== 'string' || value.includes('\n')) return base;
  if (type === 'PLAIN') return { ...base, column: base.column + offset };
  if (type === 'QUOTE_SINGLE' || type === 'QUOTE_DOUBLE') return { ...base, column: base.column + 1 + offset };
  return base;
}

/** A Locator (see zod-issues.ts) for paths inside this source, below `base`. */
export function sourceLocator(
  source: YamlSource,
  base: readonly PathSegment[] = [],
): {
  value(path: readonly PathSegment[]): SourceLocation | null;
  key(path: readonly PathSegment[]): SourceLocation | null;
} {
  return {
    value: (path) => locateValue(source, [...base, ...path]),
    key: (path) => locateKey(source, [...base, ...path]),
  };
}
