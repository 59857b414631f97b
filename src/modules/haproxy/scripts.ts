// Shell scripts that talk to HAProxy's runtime API on the host: socat when present, else python3.
import { quote, raw, script, sh, type ShellCommand } from '../../core/shell.js';
import { section } from '../common/probe.js';

/** Exit code of a script when the stats socket is missing. */
export const NO_SOCKET = 3;

const PY_CLIENT = `import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(10)
s.connect(sys.argv[1])
s.sendall((sys.argv[2] + "\\n").encode())
out = b""
while True:
    d = s.recv(65536)
    if not d:
        break
    out += d
sys.stdout.write(out.decode("utf-8", "replace"))`;

/** Defines `hap COMMAND` (prints the answer): socat, else OpenBSD nc -U, else python3; checks the socket exists. */
export function apiPrelude(socket: string): ShellCommand {
  const lines = [
    `sock=${quote(socket)}`,
    `[ -S "$sock" ] || { echo "HAProxy stats socket $sock not found" >&2; exit ${NO_SOCKET}; }`,
    'if command -v socat >/dev/null 2>&1; then hap_via=socat',
    "elif command -v nc >/dev/null 2>&1 && nc -h 2>&1 | grep -q -- '-U'; then hap_via=nc",
    'else hap_via=python3; fi',
    'hap() {',
    '  case $hap_via in',
    '    socat) printf \'%s\\n\' "$1" | socat -t 10 - "UNIX-CONNECT:$sock" ;;',
    '    nc) printf \'%s\\n\' "$1" | nc -w 10 -U "$sock" ;;',
    `    *) python3 -c ${quote(PY_CLIENT)} "$sock" "$1" ;;`,
    '  esac',
    '}',
  ];
  return raw(lines.join('\n')); // constants, and values through quote
}

/** One probe: each named runtime command's answer in its own section. */
export function readScript(socket: string, commands: Record<string, string>): ShellCommand {
  const reads = Object.entries(commands).map(([name, command]) => script(raw(section(name)), sh`hap ${command}`));
  return script(apiPrelude(socket), reads);
}

/** A runtime command that answers with an empty line on success (set server ...). */
export function setScript(socket: string, command: string): ShellCommand {
  return script(
    apiPrelude(socket),
    sh`out=$(hap ${command})`,
    raw(`if [ -n "$(printf '%s' "$out" | tr -d '[:space:]')" ]; then printf 'haproxy: %s\\n' "$out" >&2; exit 1; fi`),
  );
}

/**
 * What a wait counts: the process's connections (`show info` CurrConns), one frontend's sessions, or requests in
 * flight (sessions to backends; idle client connections are not counted: after a BGP withdraw their packets reach
 * other nodes, so they would only wait out "timeout http-request").
 */
export type SessionCount = 'connections' | 'requests-in-flight' | { frontend: string };

export interface WaitSessionsOptions {
  socket: string;
  maxSessions: number;
  count: SessionCount;
  timeoutS: number;
  intervalMs: number;
  failOnTimeout: boolean;
}

function countCommand(count: SessionCount): string {
  if (count === 'connections') return `hap 'show info' | awk -F': *' '$1=="CurrConns"{print $2}'`;
  if (count === 'requests-in-flight')
    return `hap 'show stat' | awk -F, '$2=="BACKEND" && $1!="stats" {n+=$5} END {print n+0}'`;
  return sh`hap 'show stat' | awk -F, -v ${`fe=${count.frontend}`}`.text + ` '$1==fe && $2=="FRONTEND"{print $5}'`;
}

/** Loop on the host until sessions <= max or the deadline; prints "sessions=N elapsed_ms=M timed_out=0|1". */
export function waitSessionsScript(o: WaitSessionsOptions): ShellCommand {
  const count = countCommand(o.count);
  const loop = [
    'now_ms() { echo $(( $(date +%s%N) / 1000000 )); }',
    `start=$(now_ms); deadline=$((start + ${Math.round(o.timeoutS * 1000)}))`,
    'while :; do',
    `  n=$(${count})`,
    `  if [ -n "$n" ] && [ "$n" -le ${o.maxSessions} ]; then echo "sessions=$n elapsed_ms=$(( $(now_ms) - start )) timed_out=0"; exit 0; fi`,
    `  if [ "$(now_ms)" -ge "$deadline" ]; then echo "sessions=$n elapsed_ms=$(( $(now_ms) - start )) timed_out=1"; exit ${o.failOnTimeout ? 1 : 0}; fi`,
    `  sleep ${(o.intervalMs / 1000).toFixed(3)}`,
    'done',
  ];
  return script(apiPrelude(o.socket), raw(loop.join('\n'))); // numbers, constants and the sh-built count
}

export interface WaitOutcome {
  sessions: number | null;
  elapsed_ms: number;
  timed_out: boolean;
}

export function parseWaitOutput(stdout: string): WaitOutcome | null {
  const m = /sessions=(\d*) elapsed_ms=(\d+) timed_out=([01])/.exec(stdout);
  if (!m) return null;
  return { sessions: m[1] === '' ? null : Number(m[1]), elapsed_ms: Number(m[2]), timed_out: m[3] === '1' };
}
