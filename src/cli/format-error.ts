// Turns any error into the lines an operator reads, and the exit code. No stack trace unless --debug.
import { CommandError, ConfigError, ConnectError, TaskError, UsageError, formatIssue, tail } from '../core/errors.js';
import { ExtraVarsMismatch, RunStillRunning } from '../engine/rolling/errors.js';
import { ExitCode } from './exit-codes.js';

export function describeError(error: unknown, debug: boolean): { lines: string[]; code: number } {
  const stack = debug && error instanceof Error && error.stack ? [error.stack] : [];
  if (error instanceof ConfigError) {
    return { lines: [...error.issues.map((i) => `error: ${formatIssue(i)}`), ...stack], code: ExitCode.invalidInput };
  }
  if (error instanceof RunStillRunning) {
    return {
      lines: [
        `error: run ${error.runId} is still running: pid ${error.pid} on ${error.workstation} (started ${error.startedAt}); resume refuses to run a second copy of it`,
        `wait for it to finish, or stop it (Ctrl-C, or kill ${error.pid}) and resume then; nothing was changed`,
        ...stack,
      ],
      code: ExitCode.taskFailed,
    };
  }
  if (error instanceof ExtraVarsMismatch) {
    const given = (names: string[]) => names.map((n) => `-e ${n}=...`).join(' ');
    return {
      lines: [
        ...(error.missing.length > 0
          ? [
              `error: run ${error.runId} was started with -e ${error.missing.join(', ')}, and resume was not given ${error.missing.length === 1 ? 'it' : 'them'} again (the journal keeps names, never values)`,
            ]
          : []),
        ...(error.unexpected.length > 0
          ? [
              `error: run ${error.runId} had no -e ${error.unexpected.join(', ')}: resume continues the same run with the same variables`,
            ]
          : []),
        `resume with exactly: ${given(error.expected) || '(no -e)'}; nothing was contacted`,
        ...stack,
      ],
      code: ExitCode.invalidInput,
    };
  }
  if (error instanceof UsageError) return { lines: [`error: ${error.message}`, ...stack], code: ExitCode.invalidInput };
  if (error instanceof ConnectError)
    return { lines: [`error: ${error.host}: ${error.message}`, ...stack], code: ExitCode.unreachable };
  if (error instanceof CommandError) {
    return {
      lines: [
        `error: ${error.host}: ${error.what} exited ${error.exitCode}`,
        tail(error.stderr || error.stdout, 10),
        ...stack,
      ],
      code: ExitCode.taskFailed,
    };
  }
  if (error instanceof TaskError)
    return {
      lines: [`error: ${error.message}`, ...(error.detail ? [error.detail] : []), ...stack],
      code: ExitCode.taskFailed,
    };
  const message =
    error instanceof Error ? `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}` : String(error);
  return {
    lines: [`error: ${message}`, ...(debug ? stack : ['(run with --debug for a stack trace)'])],
    code: ExitCode.taskFailed,
  };
}
