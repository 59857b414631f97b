// The only place that changes a host: runs a Change's ops in order. Modules never get here in check mode.
import { CommandError, TaskError } from '../core/errors.js';
import type { ExecOptions, ExecResult, Op, VmApi } from '../core/module.js';
import { quote, raw, type ShellCommand } from '../core/shell.js';
import {
  BYTES_MISMATCH,
  expectedBytes,
  type ExpectedBytes,
  stagedStdinCommand,
  verifyBytesLines,
} from './verified-bytes.js';

/** Runs a command on the host with the task's `become` already applied. */
export type RunCommand = (command: ShellCommand, options?: ExecOptions) => Promise<ExecResult>;

export interface ApplyTarget {
  host: string;
  run: RunCommand;
  /** The host's VM API; null when the host has no `vm:` binding. */
  vm: () => Promise<VmApi | null>;
}

/** Exit code the put script uses when `validate` rejects the new file. */
const VALIDATE_FAILED = 65;

/** Apply ops in order; returns the result of the last exec (for `register`). */
export async function applyOps(target: ApplyTarget, ops: readonly Op[]): Promise<ExecResult | null> {
  let last: ExecResult | null = null;
  for (const op of ops) {
    if (op.kind === 'exec') last = await applyExec(target, op);
    else if (op.kind === 'put') await applyPut(target, op);
    else if (op.kind === 'vm-cold-restart') await applyColdRestart(target, op);
    else await applyPve(target, op);
  }
  return last;
}

async function applyExec(target: ApplyTarget, op: Extract<Op, { kind: 'exec' }>): Promise<ExecResult> {
  const options: ExecOptions = {};
  if (op.timeoutMs !== undefined) options.timeoutMs = op.timeoutMs;
  let command = op.command;
  if (op.stdin !== undefined) {
    options.stdin = op.stdin;
    command = stagedStdinCommand(op.command, expectedBytes(op.stdin));
  }
  const result = await target.run(command, options);
  if (
    op.stdin !== undefined &&
    result.code === BYTES_MISMATCH &&
    result.stderr.includes('ober-push: the standard input arrived')
  ) {
    throw new TaskError('the standard input did not arrive whole; the command was not run', result.stderr.trim());
  }
  const okCodes = op.okCodes ?? [0];
  if (!okCodes.includes(result.code)) {
    throw new CommandError({
      host: target.host,
      what: 'command',
      command: op.command.text,
      exitCode: result.code,
      stdout: result.stdout,
      stderr: result.stderr,
    });
  }
  return result;
}

async function applyPut(target: ApplyTarget, op: Extract<Op, { kind: 'put' }>): Promise<void> {
  const command = putScript(op);
  const result = await target.run(command, { stdin: op.content });
  if (result.code === BYTES_MISMATCH) {
    throw new TaskError(
      `upload of ${op.path} did not arrive whole; the live file was not replaced`,
      result.stderr.trim(),
    );
  }
  if (result.code === VALIDATE_FAILED) {
    throw new TaskError(
      `validation of ${op.path} failed; the live file was not replaced`,
      (result.stdout + result.stderr).trim(),
    );
  }
  if (result.code !== 0) {
    throw new CommandError({
      host: target.host,
      what: `write ${op.path}`,
      exitCode: result.code,
      stdout: result.stdout,
      stderr: result.stderr,
    });
  }
}

/**
 * Atomic write: temp file in the target's directory (same filesystem, so rename is atomic),
 * mode/owner set on the temp file, validated, optionally the old file backed up, then renamed.
 * Mode and owner of an existing file are kept unless the op sets them. The temp file never outlives the script,
 * and is renamed only once its size and SHA-256 are the content's (a cut link gives cat a short file and EOF).
 */
export function putScript(op: Extract<Op, { kind: 'put' }>): ShellCommand {
  return putScriptExpecting(op, expectedBytes(op.content));
}

/** putScript, told what must arrive (a test gives a wrong expectation to prove the refusal). */
export function putScriptExpecting(op: Extract<Op, { kind: 'put' }>, expected: ExpectedBytes): ShellCommand {
  const dest = quote(op.path);
  const lines = [
    'set -e',
    `dest=${dest}`,
    'tmp=$(mktemp "$(dirname "$dest")/.ober-push.XXXXXX")',
    `trap 'rm -f "$tmp"' EXIT`,
    `trap 'rm -f "$tmp"; exit 129' HUP INT TERM`,
    'cat > "$tmp"',
    ...verifyBytesLines('tmp', expected, `the upload of ${op.path}`),
    op.mode
      ? `chmod ${quote(op.mode)} "$tmp"`
      : 'if [ -e "$dest" ]; then chmod --reference="$dest" "$tmp"; else chmod 0644 "$tmp"; fi',
  ];
  if (op.owner || op.group) {
    lines.push(`chown ${quote(`${op.owner ?? ''}${op.group ? `:${op.group}` : ''}`)} "$tmp"`);
  } else {
    lines.push('if [ -e "$dest" ]; then chown --reference="$dest" "$tmp"; fi');
  }
  if (op.validate) {
    const validate = op.validate.split('%s').join('"$tmp"');
    lines.push(`if ! out=$( { ${validate} ; } 2>&1 ); then printf '%s\\n' "$out" >&2; exit ${VALIDATE_FAILED}; fi`);
  }
  if (op.backup) lines.push('if [ -e "$dest" ]; then cp -p "$dest" "$dest.$(date +%Y%m%dT%H%M%S).bak"; fi');
  lines.push('mv -f "$tmp" "$dest"', 'trap - EXIT');
  return raw(lines.join('\n')); // every value in it went through quote()
}

async function applyPve(target: ApplyTarget, op: Extract<Op, { kind: 'pve' }>): Promise<void> {
  const vm = await target.vm();
  if (!vm) throw new TaskError(`host ${target.host} has no vm: binding; cannot write ${op.path}`);
  // A failed NIC re-plug comes back as the NicReplugError that says what it means (src/proxmox/errors.ts).
  const data = await vm.write(op.method, op.path, op.body);
  if (op.waitTask && typeof data === 'string' && data.startsWith('UPID:')) await vm.waitTask(data);
}

async function applyColdRestart(target: ApplyTarget, op: Extract<Op, { kind: 'vm-cold-restart' }>): Promise<void> {
  const vm = await target.vm();
  if (!vm) throw new TaskError(`host ${target.host} has no vm: binding; cannot cold-restart its VM`);
  await vm.coldRestart(op.options);
}
