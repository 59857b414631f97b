// --tags, --skip-tags and --start-at-task: pure selection over loaded tasks.
import { UsageError } from '../core/errors.js';
import type { Playbook, Task } from './types.js';

/**
 * Tasks that run for the given --tags / --skip-tags, in order (Ansible's rules):
 * - a task with any tag in skipTags is skipped (this is the only way to skip an `always` task);
 * - a task tagged `always` runs otherwise;
 * - a task tagged `never` runs only when --tags names `never` or another of its tags;
 * - with no --tags every other task runs; otherwise a task runs when it has a requested tag,
 *   or --tags holds `all`, `tagged` (task has tags) or `untagged` (task has none).
 */
export function filterTasksByTags(
  tasks: readonly Task[],
  tags: readonly string[],
  skipTags: readonly string[],
): Task[] {
  const wanted = new Set(tags);
  const skipped = new Set(skipTags);
  return tasks.filter((task) => {
    if (task.tags.some((t) => skipped.has(t))) return false;
    if (skipped.has('tagged') && task.tags.length > 0) return false;
    if (skipped.has('untagged') && task.tags.length === 0) return false;
    if (task.tags.includes('always')) return true;
    const named = task.tags.some((t) => wanted.has(t));
    if (task.tags.includes('never')) return named;
    if (wanted.size === 0 || wanted.has('all')) return true;
    if (wanted.has('tagged') && task.tags.length > 0) return true;
    if (wanted.has('untagged') && task.tags.length === 0) return true;
    return named;
  });
}

export interface StartPoint {
  playIndex: number;
  taskIndex: number;
}

/** The first task (in playbook order) whose name equals `name`; --start-at-task runs from there. */
export function findStartTask(playbook: Playbook, name: string): StartPoint {
  for (const [playIndex, play] of playbook.plays.entries()) {
    const taskIndex = play.tasks.findIndex((t) => t.name === name);
    if (taskIndex !== -1) return { playIndex, taskIndex };
  }
  throw new UsageError(`--start-at-task '${name}' matches no task in ${playbook.file}`);
}
