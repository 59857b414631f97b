// The variables a template must find, read from its syntax tree before anything runs: a bare `{{ name }}` fails
// at render time when `name` is missing (strict mode); a helper's argument (`{{#if name}}`, `{{default name "x"}}`)
// does not, so a name used that way anywhere in the template counts as guarded.
import Handlebars from 'handlebars';
import { helpers } from './helpers.js';
import { templateParseError } from './template-error.js';

export interface TemplateNames {
  /** Head names of bare expressions, in order of first use, with the 1-based line of that use. */
  required: Array<{ name: string; line: number }>;
  /** Head names that appear as a helper's argument somewhere. */
  guarded: Set<string>;
}

type AstNode = hbs.AST.Node;
/** What a call node holds at run time: Handlebars' types promise a hash and a program that may be absent. */
interface CallNode {
  params: hbs.AST.Expression[];
  hash?: hbs.AST.Hash;
  path: hbs.AST.PathExpression | hbs.AST.Literal;
  loc: hbs.AST.SourceLocation;
  program?: { body: hbs.AST.Statement[]; blockParams?: string[] };
  inverse?: { body: hbs.AST.Statement[] };
}

const BUILTIN_HELPERS = new Set(['if', 'unless', 'each', 'with', 'lookup', 'log', ...Object.keys(helpers)]);
/** Blocks whose body runs with another context: names in it are not top-level variables. */
const CONTEXT_BLOCKS = new Set(['each', 'with']);

/** Parses `source` (throws TemplateError on a syntax error) and lists the names it reads. */
export function templateNames(source: string, name: string): TemplateNames {
  let program: hbs.AST.Program;
  try {
    program = Handlebars.parse(source);
  } catch (error) {
    throw templateParseError(error instanceof Error ? error.message : String(error), name);
  }
  const required = new Map<string, number>();
  const guarded = new Set<string>();
  // An explicit stack, not recursion: a template's nesting is whatever its author wrote.
  const stack: AstNode[] = [...program.body].reverse();
  while (stack.length > 0) {
    const node = stack.pop() as AstNode;
    if (node.type === 'MustacheStatement' || node.type === 'SubExpression' || node.type === 'BlockStatement') {
      const call = node as unknown as CallNode;
      const isCall = call.params.length > 0 || (call.hash?.pairs.length ?? 0) > 0 || node.type !== 'MustacheStatement';
      const head = headName(call.path);
      if (!isCall && head !== null && !BUILTIN_HELPERS.has(head) && !required.has(head))
        required.set(head, call.loc.start.line);
      const args = [...call.params, ...(call.hash?.pairs.map((p) => p.value) ?? [])];
      for (const arg of args) {
        const argHead = headName(arg);
        if (argHead !== null) guarded.add(argHead);
        if (arg.type === 'SubExpression') stack.push(arg);
      }
      if (node.type === 'BlockStatement') {
        const changesContext =
          (head !== null && CONTEXT_BLOCKS.has(head)) || (call.program?.blockParams?.length ?? 0) > 0;
        if (call.inverse) stack.push(...[...call.inverse.body].reverse());
        if (call.program && !changesContext) stack.push(...[...call.program.body].reverse());
      }
    }
  }
  return { required: [...required].map(([n, line]) => ({ name: n, line })), guarded };
}

/** The first segment of a plain path (`a` of `a.b`), or null for `this`, `../x`, `@index`, literals. */
function headName(node: hbs.AST.Expression | hbs.AST.PathExpression | hbs.AST.Literal): string | null {
  if (node.type !== 'PathExpression') return null;
  const path = node as hbs.AST.PathExpression;
  if (path.data || path.depth > 0 || path.parts.length === 0 || /^(this|\.)/.test(path.original)) return null;
  return path.parts[0] ?? null;
}
