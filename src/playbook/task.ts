// One task (or handler): find its single module key, check its keywords and conditions, validate its args.
import type { ConfigIssue, SourceLocation } from '../core/errors.js';
import type { AnyModule } from '../core/module.js';
import { closestMatch } from '../config/did-you-mean.js';
import { formatKeyPath, joinKeyPath, type PathSegment } from '../config/key-path.js';
import { locateInScalar, sourceLocator, type YamlSource } from '../config/yaml-source.js';
import { isPlainObject, validate, valueAt } from '../config/zod-issues.js';
import { ExprSyntaxError, parseExpr } from './expr.js';
import { TASK_KEYWORDS, taskKeywordsSchema } from './schema.js';
import type { Task } from './types.js';

export interface TaskContext {
  source: YamlSource;
  modules: ReadonlyMap<string, AnyModule>;
  issues: ConfigIssue[];
}

const isTemplate = (value: unknown): boolean => typeof value === 'string' && value.includes('{{');

/** Parses the task at `path` (e.g. [0, "tasks", 2]); null when it has issues (already pushed). */
export function parseTask(raw: unknown, path: PathSegment[], ctx: TaskContext): Task | null {
  const locator = sourceLocator(ctx.source);
  const printed = formatKeyPath(path);
  const location = locator.value(path);
  const fail = (issue: ConfigIssue): null => {
    ctx.issues.push(issue);
    return null;
  };
  if (!isPlainObject(raw))
    return fail({
      location,
      path: printed,
      message: `expected a task (a mapping with one module key)${raw === null ? ', got null' : ''}`,
    });
  const before = ctx.issues.length;
  const moduleKeys = checkTaskKeys(raw, path, ctx);
  const keywords = Object.fromEntries(Object.entries(raw).filter(([k]) => TASK_KEYWORDS.includes(k)));
  const checked = validate(taskKeywordsSchema, keywords, sourceLocator(ctx.source, path), printed);
  ctx.issues.push(...checked.issues);
  const moduleName = moduleKeys[0];
  const module = moduleName === undefined ? undefined : ctx.modules.get(moduleName);
  if (ctx.issues.length > before || !checked.ok || moduleName === undefined || !module) return null;
  const args = raw[moduleName] ?? {};
  checkArgs(module, args, [...path, moduleName], ctx);

  const k = checked.data;
  const task: Task = {
    name: k.name ?? moduleName,
    module: moduleName,
    args,
    notify: toList(k.notify),
    tags: toList(k.tags),
    ignoreErrors: k.ignore_errors ?? false,
    location: location ?? { file: ctx.source.file, line: 1, column: 1 },
  };
  const conditions = [
    ['when', k.when],
    ['changed_when', k.changed_when],
    ['failed_when', k.failed_when],
  ] as const;
  for (const [key, value] of conditions) {
    if (value === undefined) continue;
    const text = checkCondition(value, [...path, key], ctx);
    if (text === null) continue;
    if (key === 'when') task.when = text;
    else if (key === 'changed_when') task.changedWhen = text;
    else task.failedWhen = text;
  }
  if (k.become !== undefined) task.become = k.become;
  if (k.register !== undefined) task.register = k.register;
  if (k.loop !== undefined) task.loop = k.loop;
  return ctx.issues.length > before ? null : task;
}

/** Unknown keys (with a suggestion), none or two module keys: each an issue. Returns the module keys found. */
function checkTaskKeys(raw: Record<string, unknown>, path: PathSegment[], ctx: TaskContext): string[] {
  const locator = sourceLocator(ctx.source);
  const printed = formatKeyPath(path);
  const known = [...ctx.modules.keys()].sort();
  const keys = Object.keys(raw);
  const moduleKeys = keys.filter((k) => ctx.modules.has(k));
  const before = ctx.issues.length;
  for (const key of keys) {
    if (ctx.modules.has(key) || TASK_KEYWORDS.includes(key)) continue;
    const suggestion = closestMatch(key, [...known, ...TASK_KEYWORDS]);
    const message =
      suggestion !== null
        ? `unknown key (did you mean "${suggestion}"?)`
        : moduleKeys.length === 0
          ? `unknown module "${key}" (known modules: ${known.join(', ')})`
          : `unknown key (a task has one module key and any of: ${TASK_KEYWORDS.join(', ')})`;
    ctx.issues.push({ location: locator.key([...path, key]), path: joinKeyPath(printed, key), message });
  }
  if (moduleKeys.length > 1) {
    const [first, second] = moduleKeys;
    ctx.issues.push({
      location: locator.key([...path, second ?? '']),
      path: printed,
      message: `a task runs exactly one module, found "${first}" and "${second}"`,
    });
  }
  if (moduleKeys.length === 0 && ctx.issues.length === before) {
    const location = locator.value(path);
    ctx.issues.push({ location, path: printed, message: `missing a module key (known modules: ${known.join(', ')})` });
  }
  return moduleKeys;
}

/** The module's args against its schema. Strings with "{{" are templates: checked again after rendering. */
function checkArgs(module: AnyModule, args: unknown, argsPath: PathSegment[], ctx: TaskContext): void {
  const validated = validate(
    module.args,
    args,
    sourceLocator(ctx.source, argsPath),
    formatKeyPath(argsPath),
    (p, code) => {
      const found = valueAt(args, p);
      return found.exists && (isTemplate(found.value) || (code === 'custom' && containsTemplate(found.value)));
    },
  );
  ctx.issues.push(...validated.issues);
}

function toList(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return typeof value === 'string' ? [value] : value;
}

function containsTemplate(value: unknown): boolean {
  if (isTemplate(value)) return true;
  if (Array.isArray(value)) return value.some(containsTemplate);
  if (isPlainObject(value)) return Object.values(value).some(containsTemplate);
  return false;
}

/** Parses a condition now, so a syntax error fails the load; a list means all of its conditions. */
function checkCondition(
  value: string | boolean | Array<string | boolean>,
  path: PathSegment[],
  ctx: TaskContext,
): string | null {
  const parts = Array.isArray(value)
    ? value.map((v, i) => ({ text: String(v), at: [...path, i] }))
    : [{ text: String(value), at: path }];
  let ok = true;
  for (const part of parts) {
    try {
      parseExpr(part.text);
    } catch (error) {
      if (!(error instanceof ExprSyntaxError)) throw error;
      const location: SourceLocation | null = locateInScalar(ctx.source, part.at, error.offset);
      ctx.issues.push({ location, path: formatKeyPath(part.at), message: `invalid condition: ${error.message}` });
      ok = false;
    }
  }
  if (!ok) return null;
  return parts.length === 1 ? (parts[0]?.text ?? '') : parts.map((p) => `(${p.text})`).join(' and ');
}

/**
 * Validates a task's args after the engine rendered their templates. Issues are located at the task
 * (the rendered values have no place in the file) and say that they concern the rendered value.
 */
export function validateRenderedArgs(task: Task, module: AnyModule, renderedArgs: unknown): ConfigIssue[] {
  const at = () => task.location;
  const result = validate(module.args, renderedArgs, { value: at, key: at }, task.module);
  return result.issues.map((issue) => ({ ...issue, message: `${issue.message} (after rendering templates)` }));
}
