// Turns any error into the lines an operator reads, and the exit code. No stack trace unless --debug.
import { CommandError, ConfigError, ConnectError, TaskError, UsageError, formatIssue, tail } from '../core/errors.js';
import { ExitCode } from './exit-codes.js';

export function describeError(error: unknown, debug: boolean): { lines: string[]; code: number } {
  const stack = debug && error instanceof Error && error.stack ? [error.stack] : [];
  if (error instanceof ConfigError) {
    return { lines: [...error.issues.map((i) => `error: ${formatIssue(i)}`), ...stack], code: ExitCode.invalidInput };
  }
  if (error instanceof UsageError) return { lines: [`error: ${error.message}`, ...stack], code: ExitCode.invalidInput };
  if (error instanceof ConnectError) return { lines: [`error: ${error.host}: ${error.message}`, ...stack], code: ExitCode.unreachable };
  if (error instanceof CommandError) {
    return { lines: [`error: ${error.host}: command exited ${error.exitCode}`, tail(error.stderr || error.stdout, 10), ...stack], code: ExitCode.taskFailed };
  }
  if (error instanceof TaskError) return { lines: [`error: ${error.message}`, ...(error.detail ? [error.detail] : []), ...stack], code: ExitCode.taskFailed };
  const message = error instanceof Error ? `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}` : String(error);
  return { lines: [`error: ${message}`, ...(debug ? stack : ['(run with --debug for a stack trace)'])], code: ExitCode.taskFailed };
}
