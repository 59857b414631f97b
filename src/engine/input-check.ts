// Before any connection: what the inputs alone show wrong in the planned plays. A task's template or condition
// naming a variable that no host of the play defines (nor -e, a register, the engine), a template that does not
// parse, a local src file that is missing or not a regular file. Found after connecting, each would fail mid-run.
import { statSync } from 'node:fs';
import { ConfigError, type ConfigIssue } from '../core/errors.js';
import type { AnyModule } from '../core/module.js';
import { didYouMean } from '../config/did-you-mean.js';
import { InputFileError, readInputText } from '../config/read-input.js';
import { displayPath } from '../config/display-path.js';
import type { Inventory } from '../inventory/types.js';
import { conditionNames } from '../playbook/expr-names.js';
import { ExprSyntaxError, parseExpr } from '../playbook/expr.js';
import type { Play, Task } from '../playbook/types.js';
import { TemplateError } from '../render/template-error.js';
import { templateNames } from '../render/template-names.js';
import { ENGINE_VAR_NAMES } from './host-vars.js';

export interface InputCheckDeps {
  modules: ReadonlyMap<string, AnyModule>;
  /** Directory relative `src:` paths resolve against (the playbook's). */
  baseDir: string;
}

interface Scope {
  known: Set<string>;
  play: Play;
  task: Task;
  where: string;
}

export function checkPlayInputs(
  inventory: Inventory,
  planned: ReadonlyArray<{ play: Play; hosts: string[]; tasks: Task[] }>,
  extraVars: Readonly<Record<string, unknown>>,
  deps: InputCheckDeps,
): void {
  const issues: ConfigIssue[] = [];
  const registered = planned.flatMap((p) =>
    [...p.play.tasks, ...p.play.handlers].flatMap((t) => (t.register ? [t.register] : [])),
  );
  for (const [playIndex, { play, hosts, tasks }] of planned.entries()) {
    const known = new Set([...ENGINE_VAR_NAMES, ...registered, ...Object.keys(play.vars), ...Object.keys(extraVars)]);
    if (play.stack) known.add('ober');
    for (const name of hosts) for (const key of Object.keys(inventory.hosts.get(name)?.vars ?? {})) known.add(key);
    const list = (kind: 'tasks' | 'handlers', items: Task[]) =>
      items.map((task) => ({ task, where: `[${playIndex}].${kind}[${play[kind].indexOf(task)}]` }));
    for (const { task, where } of [...list('tasks', tasks), ...list('handlers', play.handlers)]) {
      const scope: Scope = {
        known: task.loop === undefined ? known : new Set([...known, 'item', 'loop_index']),
        play,
        task,
        where,
      };
      issues.push(...checkTask(scope, deps));
    }
  }
  if (issues.length > 0) throw new ConfigError(issues);
}

function checkTask(scope: Scope, deps: InputCheckDeps): ConfigIssue[] {
  const { task, where } = scope;
  const issues: ConfigIssue[] = [];
  const issue = (path: string, message: string) =>
    issues.push({ location: task.location, path: `${where}.${path}`, message });
  const conditions: Array<[string, string | undefined]> = [
    ['when', task.when],
    ['changed_when', task.changedWhen],
    ['failed_when', task.failedWhen],
  ];
  for (const [key, text] of conditions) {
    if (text === undefined) continue;
    try {
      const names = conditionNames(parseExpr(text));
      const known = key === 'when' ? scope.known : new Set([...scope.known, 'result']);
      for (const name of unknownNames(names.required, names.guarded, known))
        issue(key, undefinedMessage(name, known, scope.play));
    } catch (error) {
      // The load already reported syntax errors; anything else is not ours to hide.
      if (!(error instanceof ExprSyntaxError)) throw error;
    }
  }
  for (const { path, text } of templateStrings(task.args, task.module)) {
    checkTemplate(text, null, scope, issue.bind(null, path));
  }
  for (const { text } of templateStrings(task.loop, 'loop')) checkTemplate(text, null, scope, issue.bind(null, 'loop'));
  const module = deps.modules.get(task.module);
  for (const file of module?.localFiles?.(task.args, deps.baseDir) ?? []) {
    const path = `${task.module}.${file.arg}`;
    const found = file.candidates.map((c) => readLocal(c, file.template)).find((r) => r.kind !== 'missing');
    if (!found) {
      issue(
        path,
        `${file.template ? 'template' : 'file'} not found: ${file.candidates.map((c) => displayPath(c)).join(', ')}`,
      );
    } else if (found.kind === 'error') {
      issue(path, found.message);
    } else if (file.template) {
      // Templates also see the host's facts; the template module fetches them when the text names them.
      checkTemplate(found.text, displayPath(found.path), scope, issue.bind(null, path));
    }
  }
  return issues;
}

/** `file`: the template file's name; null for a template string in the task itself. */
function checkTemplate(text: string, file: string | null, scope: Scope, issue: (message: string) => void): void {
  try {
    const names = templateNames(text, file ?? 'template');
    for (const { name, line } of names.required) {
      if (scope.known.has(name) || names.guarded.has(name)) continue;
      issue(`${undefinedMessage(name, scope.known, scope.play)}${file ? ` (${file}:${line})` : ''}`);
    }
  } catch (error) {
    if (!(error instanceof TemplateError)) throw error;
    const line = error.line !== undefined ? `${file ? ':' : ' line '}${error.line}` : '';
    issue(`invalid template${file ? ` ${file}` : ''}${line}: ${error.reason}`);
  }
}

function unknownNames(required: string[], guarded: Set<string>, known: Set<string>): string[] {
  return required.filter((n) => !known.has(n) && !guarded.has(n));
}

function undefinedMessage(name: string, known: Set<string>, play: Play): string {
  return `variable "${name}" is not defined for any host of play "${play.name}" (nor by -e, a register or the engine)${didYouMean(name, known)}`;
}

/** Every string of `value` that holds a template, with its key path below the task. */
function templateStrings(value: unknown, path: string): Array<{ path: string; text: string }> {
  const out: Array<{ path: string; text: string }> = [];
  const stack: Array<{ value: unknown; path: string }> = [{ value, path }];
  while (stack.length > 0) {
    const top = stack.pop() as { value: unknown; path: string };
    if (typeof top.value === 'string') {
      if (top.value.includes('{{')) out.push({ path: top.path, text: top.value });
    } else if (Array.isArray(top.value)) {
      top.value.forEach((v, i) => stack.push({ value: v, path: `${top.path}[${i}]` }));
    } else if (top.value !== null && typeof top.value === 'object') {
      for (const [k, v] of Object.entries(top.value)) stack.push({ value: v, path: `${top.path}.${k}` });
    }
  }
  return out.reverse();
}

type LocalRead = { kind: 'missing' } | { kind: 'error'; message: string } | { kind: 'ok'; path: string; text: string };

/** A template is read (bounded); any other file is only looked at: it may be a large binary. */
function readLocal(path: string, template: boolean): LocalRead {
  try {
    if (template) return { kind: 'ok', path, text: readInputText(path) };
    const stats = statSync(path);
    if (!stats.isFile()) return { kind: 'error', message: `${displayPath(path)} is not a regular file` };
    return { kind: 'ok', path, text: '' };
  } catch (error) {
    const reason =
      error instanceof InputFileError ? error.reason : ((error as NodeJS.ErrnoException).code ?? String(error));
    return reason === 'ENOENT'
      ? { kind: 'missing' }
      : { kind: 'error', message: `cannot read ${displayPath(path)}: ${reason}` };
  }
}
