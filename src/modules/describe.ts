// Documentation of a module's arguments from its zod schema, for `ober-push modules [NAME]`.
import { z } from 'zod';
import type { AnyModule } from '../core/module.js';

export interface FieldDoc {
  name: string;
  type: string; // e.g. "string", "integer", "started | stopped", "string | string[]"
  required: boolean;
  default?: unknown;
  description: string;
}

export interface ModuleDoc {
  name: string;
  description: string;
  fields: FieldDoc[];
}

type JsonSchema = {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  required?: string[];
  default?: unknown;
  description?: string;
};

/** A short type name for a JSON schema node. */
export function typeName(s: JsonSchema): string {
  if (s.enum) return s.enum.map((v) => String(v)).join(' | ');
  if (s.const !== undefined) return JSON.stringify(s.const);
  const alts = s.anyOf ?? s.oneOf;
  if (alts) return [...new Set(alts.map(typeName))].join(' | ');
  if (s.allOf && s.allOf[0]) return typeName(s.allOf[0]);
  const t = Array.isArray(s.type) ? s.type.join(' | ') : s.type;
  if (t === 'array') {
    const inner = s.items ? typeName(s.items) : 'any';
    return inner.includes('|') ? `(${inner})[]` : `${inner}[]`;
  }
  if (t === 'object') {
    if (s.properties) return `{${Object.keys(s.properties).join(', ')}}`;
    const v = typeof s.additionalProperties === 'object' ? typeName(s.additionalProperties) : 'any';
    return `map<string, ${v}>`;
  }
  return t ?? 'any';
}

/** The module's fields, in schema order. Refinements (e.g. "exactly one of") are not representable and are described in the field texts. */
export function describeModule(m: AnyModule): ModuleDoc {
  const schema = z.toJSONSchema(m.args, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const required = new Set(schema.required ?? []);
  const fields = Object.entries(schema.properties ?? {}).map(([name, s]): FieldDoc => {
    const doc: FieldDoc = { name, type: typeName(s), required: required.has(name), description: s.description ?? '' };
    if (s.default !== undefined) doc.default = s.default;
    return doc;
  });
  return { name: m.name, description: m.description, fields };
}

/** Plain text for one module: a header line, then one block per field. */
export function formatModuleDoc(doc: ModuleDoc): string {
  const lines = [`${doc.name}: ${doc.description}`, ''];
  for (const f of doc.fields) {
    const flags = [
      f.required ? 'required' : 'optional',
      f.default !== undefined ? `default ${JSON.stringify(f.default)}` : '',
    ].filter((x) => x !== '');
    lines.push(`  ${f.name} (${f.type}; ${flags.join(', ')})`);
    if (f.description !== '') lines.push(`      ${f.description}`);
  }
  return lines.join('\n') + '\n';
}

/** One line per module: name and description, names aligned. */
export function formatModuleList(modules: Iterable<AnyModule>): string {
  const list = [...modules].sort((a, b) => a.name.localeCompare(b.name));
  const width = Math.max(0, ...list.map((m) => m.name.length));
  return list.map((m) => `${m.name.padEnd(width)}  ${m.description}`).join('\n') + '\n';
}
