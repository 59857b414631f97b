// loadPlaybook: YAML plays -> validated Plays with Tasks, before any host is contacted.
import { resolve } from 'node:path';
import { ConfigError, type ConfigIssue } from '../core/errors.js';
import type { AnyModule } from '../core/module.js';
import { didYouMean } from '../config/did-you-mean.js';
import { formatKeyPath, type PathSegment } from '../config/key-path.js';
import { loadYamlSource, sourceLocator, type YamlSource } from '../config/yaml-source.js';
import { validate, valueAt } from '../config/zod-issues.js';
import { playbookSchema, playSchema } from './schema.js';
import { parseTask, type TaskContext } from './task.js';
import type { Play, Playbook, RollingSpec, Task } from './types.js';

/** Loads and validates a playbook; all issues of the file are reported in one ConfigError. */
export async function loadPlaybook(file: string, modules: ReadonlyMap<string, AnyModule>): Promise<Playbook> {
  const path = resolve(file);
  const source = await loadYamlSource(path);
  if (source.issues.length > 0) throw new ConfigError(source.issues);
  const issues: ConfigIssue[] = [];
  const top = validate(playbookSchema, source.data ?? [], sourceLocator(source));
  if (!top.ok) throw new ConfigError(top.issues);
  const ctx: TaskContext = { source, modules, issues };
  const plays = top.data.map((raw, index) => parsePlay(raw, index, ctx)).filter((p): p is Play => p !== null);
  if (issues.length > 0) throw new ConfigError(issues);
  return { file: path, plays };
}

function parsePlay(raw: unknown, index: number, ctx: TaskContext): Play | null {
  const locator = sourceLocator(ctx.source, [index]);
  const checked = validate(playSchema, raw, locator, formatKeyPath([index]));
  if (!checked.ok) {
    ctx.issues.push(...checked.issues);
    // Still check the tasks, so that one load reports every problem of the file.
    for (const key of ['tasks', 'handlers'] as const) {
      const items = valueAt(raw, [key]).value;
      if (Array.isArray(items)) items.forEach((item, i) => parseTask(item, [index, key, i], ctx));
    }
    return null;
  }
  const p = checked.data;
  const parseList = (key: 'tasks' | 'handlers', items: unknown[]): ParsedTask[] =>
    items.flatMap((item, i) => {
      const path = [index, key, i];
      const task = parseTask(item, path, ctx);
      return task ? [{ task, path }] : [];
    });
  const parsedTasks = parseList('tasks', p.tasks ?? []);
  const parsedHandlers = parseList('handlers', p.handlers ?? []);
  const tasks = parsedTasks.map((t) => t.task);
  const handlers = parsedHandlers.map((t) => t.task);
  checkHandlers(ctx.source, index, p.handlers ?? [], handlers, ctx.issues);
  checkNotify(ctx.source, [...parsedTasks, ...parsedHandlers], handlers, ctx.issues);
  const hosts = typeof p.hosts === 'string' ? p.hosts : p.hosts.join(',');
  const play: Play = {
    name: p.name ?? hosts,
    hosts,
    vars: p.vars ?? {},
    gatherFacts: p.gather_facts ?? true,
    tasks,
    handlers,
    location: locator.value([]) ?? { file: ctx.source.file, line: 1, column: 1 },
  };
  if (p.become !== undefined) play.become = p.become;
  if (p.serial !== undefined) play.serial = p.serial;
  if (p.max_fail_percentage !== undefined) play.maxFailPercentage = p.max_fail_percentage;
  if (p.stack !== undefined) play.stack = p.stack;
  if (p.rolling) {
    const rolling: RollingSpec = {
      serial: p.rolling.serial,
      drain: p.rolling.drain,
      minHealthy: p.rolling.min_healthy,
      drainTimeoutMs: p.rolling.drain_timeout,
      settleMs: p.rolling.settle,
      ...(p.rolling.max_resets !== undefined ? { maxResets: p.rolling.max_resets } : {}),
    };
    const spread = p.rolling.spread_by;
    if (spread !== undefined) {
      const minHealthyDomains = p.rolling.min_healthy_domains;
      rolling.spread = {
        by: spread === 'pve_node' ? { kind: 'pve_node' } : { kind: 'var', name: spread.var },
        ...(minHealthyDomains !== undefined ? { minHealthyDomains } : {}),
        at: {
          spreadBy: locator.value(['rolling', 'spread_by']),
          minHealthyDomains: locator.value(['rolling', 'min_healthy_domains']),
        },
      };
    }
    play.rolling = rolling;
  }
  return play;
}

/** Handlers are notified by name: each needs one, and names are unique within a play. */
function checkHandlers(
  source: YamlSource,
  playIndex: number,
  raw: unknown[],
  handlers: Task[],
  issues: ConfigIssue[],
): void {
  const locator = sourceLocator(source);
  raw.forEach((item, i) => {
    const path: PathSegment[] = [playIndex, 'handlers', i];
    if (item !== null && typeof item === 'object' && !('name' in item)) {
      issues.push({
        location: locator.key(path),
        path: formatKeyPath(path),
        message: 'missing required key "name" (handlers are notified by name)',
      });
    }
  });
  const seen = new Map<string, Task>();
  for (const handler of handlers) {
    const earlier = seen.get(handler.name);
    if (earlier) {
      issues.push({
        location: handler.location,
        path: formatKeyPath([playIndex, 'handlers']),
        message: `handler "${handler.name}" is defined twice in this play`,
      });
    }
    seen.set(handler.name, handler);
  }
}

interface ParsedTask {
  task: Task;
  path: PathSegment[];
}

/** Every notify must name a handler of the same play. */
function checkNotify(source: YamlSource, entries: ParsedTask[], handlers: Task[], issues: ConfigIssue[]): void {
  const names = [...new Set(handlers.map((h) => h.name))];
  const locator = sourceLocator(source);
  for (const { task, path: taskPath } of entries) {
    const notifyPath = [...taskPath, 'notify'];
    const isList = Array.isArray(valueAt(source.data, notifyPath).value);
    task.notify.forEach((target, n) => {
      if (names.includes(target)) return;
      const path = isList ? [...notifyPath, n] : notifyPath;
      const hint =
        didYouMean(target, names) ||
        (names.length === 0 ? ' (this play has no handlers)' : ` (handlers: ${names.map((h) => `"${h}"`).join(', ')})`);
      issues.push({
        location: locator.value(path),
        path: formatKeyPath(path),
        message: `no handler named "${target}" in this play${hint}`,
      });
    });
  }
}
