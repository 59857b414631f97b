// haproxy: HAProxy's runtime API over its stats socket: read info/stat/server state, set a server's
// admin state, wait for sessions to drain. Used by the rolling engine.
import { z } from 'zod';
import { TaskError } from '../../core/errors.js';
import { defineModule, type Change, type ExecResult } from '../../core/module.js';
import { absPath } from '../common/args.js';
import { parseSections, requireOk } from '../common/probe.js';
import {
  currentSessions,
  parseServersState,
  parseShowInfo,
  parseShowStat,
  type ServerState,
  type StatRow,
} from './parse.js';
import { NO_SOCKET, parseWaitOutput, readScript, setScript, waitSessionsScript } from './scripts.js';

const NAME = /^[A-Za-z0-9_.:-]+$/;

export const haproxyArgs = z
  .object({
    socket: absPath
      .default('/run/haproxy/admin.sock')
      .describe('The stats socket (needs `level admin` for set_drain).'),
    action: z
      .enum(['info', 'stat', 'server_state', 'set_drain', 'wait_sessions'])
      .describe(
        'info: `show info`; stat: `show stat` as rows; server_state: `show servers state`; set_drain: set a server to ready/drain/maint; wait_sessions: wait until sessions <= max_sessions.',
      ),
    backend: z.string().regex(NAME).optional().describe('Backend name (set_drain; filters server_state and stat).'),
    server: z.string().regex(NAME).optional().describe('Server name in the backend (set_drain).'),
    state: z.enum(['ready', 'drain', 'maint']).default('drain').describe('set_drain: the admin state to force.'),
    frontend: z
      .string()
      .regex(NAME)
      .optional()
      .describe("wait_sessions: count this frontend's current sessions (scur) instead of the process's CurrConns."),
    max_sessions: z.number().int().min(0).default(0).describe('wait_sessions: done when sessions are at most this.'),
    timeout: z.number().positive().default(60).describe('wait_sessions: seconds before giving up.'),
    interval: z.number().int().min(10).default(250).describe('wait_sessions: milliseconds between polls.'),
    fail_on_timeout: z
      .boolean()
      .default(false)
      .describe(
        'wait_sessions: fail the task at the deadline (default: succeed with timed_out: true, a capped drain).',
      ),
  })
  .strict()
  .refine(
    (a) => a.action !== 'set_drain' || (a.backend !== undefined && a.server !== undefined),
    'set_drain needs backend and server',
  );

export type HaproxyArgs = z.infer<typeof haproxyArgs>;

export interface HaproxyFacts {
  info: Record<string, string> | null;
  stat: StatRow[] | null;
  servers: ServerState[] | null;
  sessions: number | null;
}

export function readCommands(a: HaproxyArgs): Record<string, string> {
  switch (a.action) {
    case 'info':
      return { info: 'show info' };
    case 'stat':
      return { stat: 'show stat' };
    case 'server_state':
    case 'set_drain':
      return { servers: a.backend !== undefined ? `show servers state ${a.backend}` : 'show servers state' };
    case 'wait_sessions':
      return a.frontend !== undefined ? { info: 'show info', stat: 'show stat' } : { info: 'show info' };
  }
}

export function parseHaproxyProbe(stdout: string, a: HaproxyArgs): HaproxyFacts {
  const s = parseSections(stdout);
  const wrap = <T>(name: string, parse: (t: string) => T): T | null => {
    const text = s.get(name);
    if (text === undefined) return null;
    try {
      return parse(text);
    } catch (err) {
      throw new TaskError(`haproxy: unexpected answer to "${readCommands(a)[name] ?? name}"`, (err as Error).message);
    }
  };
  const info = wrap('info', parseShowInfo);
  const allStat = wrap('stat', parseShowStat);
  const stat =
    allStat && a.action === 'stat' && a.backend !== undefined
      ? allStat.filter((r) => r['pxname'] === a.backend)
      : allStat;
  const servers = wrap('servers', parseServersState);
  return { info, stat, servers, sessions: info ? currentSessions(info, allStat, a.frontend) : null };
}

export function planHaproxy(f: HaproxyFacts, a: HaproxyArgs): Change[] {
  if (a.action === 'set_drain') {
    const srv = f.servers?.find((s) => s.backend === a.backend && s.server === a.server);
    if (srv === undefined) throw new TaskError(`haproxy: no server ${a.backend}/${a.server}`);
    if (srv.forced === a.state) return [];
    const cmd = `set server ${a.backend}/${a.server} state ${a.state}`;
    return [
      {
        summary: `haproxy ${a.backend}/${a.server}: ${srv.forced} → ${a.state}`,
        ops: [{ kind: 'exec', command: setScript(a.socket, cmd) }],
      },
    ];
  }
  if (a.action === 'wait_sessions') {
    if (f.sessions === null)
      throw new TaskError(a.frontend ? `haproxy: no frontend ${a.frontend}` : 'haproxy: show info has no CurrConns');
    if (f.sessions <= a.max_sessions) return [];
    const what = a.frontend ? `frontend ${a.frontend}` : 'haproxy';
    const script = waitSessionsScript({
      socket: a.socket,
      maxSessions: a.max_sessions,
      count: a.frontend === undefined ? 'connections' : { frontend: a.frontend },
      timeoutS: a.timeout,
      intervalMs: a.interval,
      failOnTimeout: a.fail_on_timeout,
    });
    return [
      {
        summary: `wait up to ${a.timeout}s for ${what} sessions ${f.sessions} → ≤ ${a.max_sessions}`,
        ops: [{ kind: 'exec', command: script, timeoutMs: Math.round(a.timeout * 1000) + 15_000 }],
        kind: 'observe',
      },
    ];
  }
  return [];
}

export const haproxyModule = defineModule<HaproxyArgs, HaproxyFacts>({
  name: 'haproxy',
  description:
    "HAProxy runtime API (stats socket): read info/stat/server state, set a server's state, wait for sessions to drain.",
  args: haproxyArgs,
  async gather(ctx, args) {
    const res = await ctx.exec(readScript(args.socket, readCommands(args)));
    if (res.code === NO_SOCKET)
      throw new TaskError(
        `haproxy: stats socket ${args.socket} not found (is haproxy running with a stats socket there?)`,
      );
    return parseHaproxyProbe(requireOk(res, ctx.host, 'haproxy runtime API').stdout, args);
  },
  plan: planHaproxy,
  result(f, a, applied?: ExecResult | null) {
    const wait = applied ? parseWaitOutput(applied.stdout) : null;
    switch (a.action) {
      case 'info':
        return { info: f.info };
      case 'stat':
        return { stat: f.stat };
      case 'server_state':
      case 'set_drain':
        return { servers: f.servers };
      case 'wait_sessions':
        return wait ? { ...wait } : { sessions: f.sessions, elapsed_ms: 0, timed_out: false };
    }
  },
});
