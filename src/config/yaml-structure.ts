// Structural limits and key rules of a parsed YAML document, checked before it becomes plain data: duplicate keys
// (in linear time), keys that would reach JavaScript object internals, aliases without an anchor or that expand
// past a bound (an alias bomb), and nesting deeper than any real file.
import { isAlias, isMap, isPair, isScalar, isSeq, type Document, type Node } from 'yaml';

export interface StructureIssue {
  /** Offset in the text of the node the issue is about. */
  offset: number;
  message: string;
}

/** Deeper than this is no configuration a person wrote (and recursion further down must stay bounded). */
export const MAX_NESTING = 100;

/** Keys that name JavaScript object internals: as data keys they could alter objects or shadow lookups. */
const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Flow brackets nested deeper than this make the yaml library itself run out of memory: refuse the text first. */
const MAX_FLOW_BRACKETS = 1000;

/** The offset where `[` / `{` nesting first passes the limit, or -1. Comments are skipped; quotes do not matter here. */
export function flowNestingOverflow(text: string): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x23 && (i === 0 || /\s/.test(text[i - 1] ?? ''))) {
      const end = text.indexOf('\n', i);
      if (end === -1) break;
      i = end;
    } else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > MAX_FLOW_BRACKETS) return i;
    } else if ((c === 0x5d || c === 0x7d) && depth > 0) depth--;
  }
  return -1;
}

const offsetOf = (node: { range?: [number, number, number] | null } | null | undefined): number =>
  node?.range?.[0] ?? 0;

/** Every structural issue of `doc`, in document order; `maxAliasNodes` bounds what aliases may add in all. */
export function structureIssues(doc: Document, maxAliasNodes: number): StructureIssue[] {
  const issues: StructureIssue[] = [];
  const root = doc.contents;
  if (!root) return issues;
  // Post-order walk without recursion: `size` of a node is known once all its children are.
  const size = new Map<Node, number>();
  const stack: Array<{ node: Node; depth: number; expanded: boolean }> = [{ node: root, depth: 1, expanded: false }];
  let aliasNodes = 0;
  let aliasBombReported = false;
  while (stack.length > 0) {
    const top = stack[stack.length - 1] as { node: Node; depth: number; expanded: boolean };
    const { node, depth } = top;
    const children = childNodes(node);
    if (!top.expanded) {
      top.expanded = true;
      if (depth > MAX_NESTING && children.length > 0) {
        issues.push({ offset: offsetOf(node), message: `nested deeper than ${MAX_NESTING} levels` });
        return issues;
      }
      if (isMap(node)) issues.push(...keyIssues(node));
      for (let i = children.length - 1; i >= 0; i--)
        stack.push({ node: children[i] as Node, depth: depth + 1, expanded: false });
      continue;
    }
    stack.pop();
    if (isAlias(node)) {
      const source = node.resolve(doc);
      const sourceSize = source ? size.get(source) : undefined;
      if (!source)
        issues.push({
          offset: offsetOf(node),
          message: `alias *${node.source} has no anchor &${node.source} before it`,
        });
      else if (sourceSize === undefined)
        issues.push({ offset: offsetOf(node), message: `alias *${node.source} refers to a node that contains it` });
      const added = sourceSize ?? 1;
      aliasNodes += added;
      size.set(node, added);
      if (aliasNodes > maxAliasNodes && !aliasBombReported) {
        aliasBombReported = true;
        issues.push({
          offset: offsetOf(node),
          message: `aliases expand to more than ${maxAliasNodes} nodes (an alias bomb?)`,
        });
      }
      continue;
    }
    size.set(
      node,
      children.reduce((sum, child) => sum + (size.get(child) ?? 1), 1),
    );
  }
  return issues;
}

function childNodes(node: Node): Node[] {
  if (isMap(node)) return node.items.flatMap((pair) => [pair.key, pair.value].filter(isNode));
  if (isSeq(node)) return node.items.filter(isNode);
  return [];
}

function isNode(value: unknown): value is Node {
  return (
    value !== null && typeof value === 'object' && (isMap(value) || isSeq(value) || isScalar(value) || isAlias(value))
  );
}

/** Duplicate and reserved keys of one mapping ("<<" merge keys may repeat). */
function keyIssues(map: Node): StructureIssue[] {
  if (!isMap(map)) return [];
  const issues: StructureIssue[] = [];
  const seen = new Set<string>();
  for (const pair of map.items) {
    if (!isPair(pair) || !isScalar(pair.key)) continue;
    const key = String(pair.key.value);
    if (key === '<<') continue;
    if (seen.has(key)) issues.push({ offset: offsetOf(pair.key), message: 'duplicate key in a mapping' });
    seen.add(key);
    if (RESERVED_KEYS.has(key))
      issues.push({
        offset: offsetOf(pair.key),
        message: `the key "${key}" is not allowed (it names a JavaScript object internal)`,
      });
  }
  return issues;
}
