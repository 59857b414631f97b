// Bytes sent to a host are checked there before anything uses them: a cut connection ends the sender's
// stream early, and `cat` then sees a normal EOF and succeeds with a short file. The host compares the
// received file's size and SHA-256 with what was sent and refuses to go on when they differ.
import { createHash } from 'node:crypto';
import { quote, raw, type ShellCommand } from '../core/shell.js';

/** Exit code of a put script or staged command whose received bytes are not the bytes sent. */
export const BYTES_MISMATCH = 66;

/** What the host must have received. */
export interface ExpectedBytes {
  size: number;
  sha256: string;
}

export function expectedBytes(content: string | Buffer): ExpectedBytes {
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  return { size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/**
 * Shell lines that exit BYTES_MISMATCH, with one line on stderr saying what arrived, unless the file in
 * shell variable `fileVar` holds exactly `expected`. `what` names the upload in that line.
 */
export function verifyBytesLines(fileVar: string, expected: ExpectedBytes, what: string): string[] {
  const f = `"$${fileVar}"`;
  const fail = (detail: string) =>
    `{ printf '%s\\n' ${quote(`ober-push: ${what} arrived with `)}"${detail}" >&2; exit ${BYTES_MISMATCH}; }`;
  return [
    // $(( )) drops the padding some wc print.
    `got=$(( $(wc -c < ${f}) ))`,
    `[ "$got" -eq ${expected.size} ] || ${fail(`$got of ${expected.size} bytes`)}`,
    `sum=$(sha256sum < ${f}) && sum=\${sum%% *}`,
    `[ "$sum" = ${expected.sha256} ] || ${fail(`the wrong SHA-256 ($sum)`)}`,
  ];
}

/**
 * `command` fed `stdin` only once all of it has arrived: the bytes are staged in a temp file, verified, and
 * then given to the command (run in a subshell of the same shell, as it would run on its own). The command's
 * exit status is the script's; the temp file never outlives it.
 */
export function stagedStdinCommand(command: ShellCommand, expected: ExpectedBytes): ShellCommand {
  const lines = [
    't=$(mktemp) || exit 1',
    `trap 'rm -f "$t"' EXIT`,
    `trap 'rm -f "$t"; exit 129' HUP INT TERM`,
    'cat > "$t" || exit 1',
    ...verifyBytesLines('t', expected, 'the standard input'),
    '(',
    command.text,
    ') < "$t"',
  ];
  return raw(lines.join('\n')); // every value in it went through quote()
}
