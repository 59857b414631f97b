// wait_for: wait ON the host (one exec running a loop) for a TCP port, an HTTP answer or a file.
import { z } from 'zod';
import type { ExecResult } from '../core/module.js';
import { defineModule, type Change } from '../core/module.js';
import { quote, raw, sh, type ShellCommand } from '../core/shell.js';
import { absPath } from './common/args.js';

export const waitForArgs = z
  .object({
    port: z.number().int().min(1).max(65535).optional().describe('TCP port to wait for.'),
    host: z
      .string()
      .regex(/^[A-Za-z0-9.:-]+$/)
      .default('127.0.0.1')
      .describe('Address of the TCP port (as seen from the host).'),
    state: z
      .enum(['started', 'stopped'])
      .default('started')
      .describe('started: port accepts connections / path exists; stopped: port refuses / path is gone.'),
    url: z
      .string()
      .regex(/^https?:\/\/\S+$/)
      .optional()
      .describe('HTTP(S) URL to poll (curl when present, else python3).'),
    status: z.number().int().min(100).max(599).default(200).describe('HTTP status the url must answer with.'),
    body: z.string().optional().describe('Extended regular expression (grep -E) the response body must match.'),
    path: absPath.optional().describe('File or directory to wait for.'),
    timeout: z.number().positive().default(60).describe('Seconds before the task fails.'),
    interval: z.number().int().min(10).default(250).describe('Milliseconds between attempts.'),
  })
  .strict()
  .refine(
    (a) => [a.port, a.url, a.path].filter((v) => v !== undefined).length === 1,
    'give exactly one of port, url, path',
  )
  .refine((a) => a.url === undefined || a.state === 'started', 'state: stopped is for port and path only');

export type WaitForArgs = z.infer<typeof waitForArgs>;

/** Shell test for one attempt: exit 0 when the condition holds. */
function probe(a: WaitForArgs): string {
  if (a.path !== undefined) return sh`[ -e ${a.path} ]`.text;
  if (a.port !== undefined) {
    // bash's /dev/tcp, else nc, else python3; each attempt capped at 2 s.
    return sh`tcp_open ${a.host} ${a.port}`.text;
  }
  return sh`http_ok ${a.url ?? ''} ${a.status} ${a.body ?? ''}`.text;
}

const TCP_FN = `tcp_open() {
  if command -v bash >/dev/null 2>&1; then timeout 2 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$1" "$2" 2>/dev/null
  elif command -v nc >/dev/null 2>&1; then nc -z -w 2 "$1" "$2" 2>/dev/null
  else python3 -c 'import socket,sys; socket.create_connection((sys.argv[1], int(sys.argv[2])), 2).close()' "$1" "$2" 2>/dev/null; fi
}`;

const HTTP_FN = `http_ok() {
  if command -v curl >/dev/null 2>&1; then code=$(curl -sk -m 5 -o "$tmp" -w '%{http_code}' "$1" 2>/dev/null) || code=000
  else code=$(python3 -c '
import ssl, sys, urllib.request, urllib.error
try:
    r = urllib.request.urlopen(sys.argv[1], timeout=5, context=ssl._create_unverified_context())
    code, data = r.status, r.read()
except urllib.error.HTTPError as e:
    code, data = e.code, e.read()
except Exception:
    code, data = 0, b""
open(sys.argv[2], "wb").write(data)
print(code)' "$1" "$tmp" 2>/dev/null) || code=000; fi
  [ "$code" = "$2" ] || return 1
  [ -z "$3" ] || grep -Eq -- "$3" "$tmp"
}`;

/** The loop script: prints elapsed_ms=N on success, a timeout message (exit 1) otherwise. */
export function waitScript(a: WaitForArgs): ShellCommand {
  const negate = a.state === 'stopped' ? '! ' : '';
  const sleepS = (a.interval / 1000).toFixed(3);
  const timeoutMs = Math.round(a.timeout * 1000);
  const lines = [
    'set +e',
    a.url !== undefined ? 'tmp=$(mktemp); trap \'rm -f "$tmp"\' EXIT' : ':',
    a.port !== undefined ? TCP_FN : '',
    a.url !== undefined ? HTTP_FN : '',
    'now_ms() { echo $(( $(date +%s%N) / 1000000 )); }',
    `start=$(now_ms); deadline=$((start + ${timeoutMs}))`,
    'while :; do',
    `  if ${negate}${probe(a)}; then echo "elapsed_ms=$(( $(now_ms) - start ))"; exit 0; fi`,
    `  if [ "$(now_ms)" -ge "$deadline" ]; then echo ${quote(`timed out after ${a.timeout}s waiting for ${describeWait(a)}`)} >&2; exit 1; fi`,
    `  sleep ${sleepS}`,
    'done',
  ];
  return raw(lines.filter((l) => l !== '').join('\n')); // constants, numbers, and values through quote/sh
}

export function describeWait(a: WaitForArgs): string {
  if (a.path !== undefined) return `${a.path} to ${a.state === 'started' ? 'exist' : 'be gone'}`;
  if (a.port !== undefined)
    return `${a.host}:${a.port} to ${a.state === 'started' ? 'accept connections' : 'refuse connections'}`;
  return `${a.url ?? ''} to answer ${a.status}${a.body !== undefined ? ` with a body matching /${a.body}/` : ''}`;
}

export function parseElapsed(stdout: string): number | null {
  const m = /^elapsed_ms=(\d+)$/m.exec(stdout);
  return m ? Number(m[1]) : null;
}

export const waitForModule = defineModule<WaitForArgs, null>({
  name: 'wait_for',
  description: 'Wait on the host for a TCP port to open/close, a URL to answer, or a path to appear/disappear.',
  args: waitForArgs,
  gather() {
    return Promise.resolve(null);
  },
  plan(_facts, args): Change[] {
    const op = {
      kind: 'exec' as const,
      command: waitScript(args),
      timeoutMs: Math.round(args.timeout * 1000) + 15_000,
    };
    return [{ summary: `wait up to ${args.timeout}s for ${describeWait(args)}`, ops: [op], kind: 'observe' }];
  },
  result(_facts, _args, applied?: ExecResult | null) {
    return { elapsed_ms: applied ? parseElapsed(applied.stdout) : null };
  },
});
