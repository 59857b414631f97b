// The haproxy module against a real HAProxy (master-worker) with a stats socket in a temp directory.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haproxyModule } from '../../../src/modules/haproxy/index.js';
import type { ServerState, StatRow } from '../../../src/modules/haproxy/parse.js';
import { localSh, planModule, runModule } from '../../support/local-host.js';

let dir: string;
let socket: string;
let feport: number;
let haproxy: ChildProcess;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s: Server = createServer();
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      s.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ober-haproxy-'));
  socket = join(dir, 'admin.sock');
  feport = await freePort();
  const cfg = [
    'global',
    `  stats socket ${socket} mode 600 level admin`,
    'defaults',
    '  mode tcp',
    '  timeout connect 1s',
    '  timeout client 30s',
    '  timeout server 30s',
    'frontend fe',
    `  bind 127.0.0.1:${feport}`,
    '  default_backend be',
    'backend be',
    '  server s1 127.0.0.1:9 check inter 60s',
    '  server s2 127.0.0.1:9',
    '',
  ].join('\n');
  await writeFile(join(dir, 'h.cfg'), cfg);
  haproxy = spawn('haproxy', ['-Ws', '-f', join(dir, 'h.cfg')], { stdio: 'ignore' });
  // Wait until the socket answers (observable state, no fixed sleep).
  const ready = await localSh(
    `i=0; while ! [ -S ${socket} ] && [ $i -lt 200 ]; do sleep 0.025; i=$((i+1)); done; [ -S ${socket} ]`,
  );
  expect(ready.code).toBe(0);
});

afterAll(async () => {
  haproxy?.kill('SIGUSR1'); // soft stop of the master-worker
  await rm(dir, { recursive: true, force: true });
});

describe('haproxy runtime API', () => {
  it('info: show info parsed', async () => {
    const out = await planModule(haproxyModule, { socket, action: 'info' });
    const info = out.result?.['info'] as Record<string, string>;
    expect(info['Name']).toBe('HAProxy');
    expect(info['CurrConns']).toBe('0');
    expect(out.changes).toEqual([]);
  });

  it('stat: rows with pxname/svname/scur, filtered by backend', async () => {
    const out = await planModule(haproxyModule, { socket, action: 'stat', backend: 'be' });
    const rows = out.result?.['stat'] as StatRow[];
    expect(rows.map((r) => r['svname'])).toEqual(['s1', 's2', 'BACKEND']);
  });

  it('set_drain: drain, maint, ready; read back; converges', async () => {
    const state = async (): Promise<ServerState | undefined> =>
      (
        (await planModule(haproxyModule, { socket, action: 'server_state', backend: 'be' })).result?.[
          'servers'
        ] as ServerState[]
      ).find((s) => s.server === 's2');
    for (const want of ['drain', 'maint', 'ready'] as const) {
      const args = { socket, action: 'set_drain', backend: 'be', server: 's2', state: want };
      const first = await runModule(haproxyModule, args);
      expect(first.changes).toHaveLength(1);
      expect((await state())?.forced).toBe(want);
      expect((await planModule(haproxyModule, args)).changes).toEqual([]);
    }
  });

  it('set_drain on an unknown server is an error', async () => {
    await expect(
      planModule(haproxyModule, { socket, action: 'set_drain', backend: 'be', server: 'nope' }),
    ).rejects.toThrow(/no server be\/nope/);
  });

  it('wait_sessions: plans nothing when idle; waits for an open session to close; caps at the deadline', async () => {
    expect((await planModule(haproxyModule, { socket, action: 'wait_sessions' })).changes).toEqual([]);
    const client: Socket = connect(feport, '127.0.0.1');
    await new Promise<void>((r) => client.once('connect', () => r()));
    // Wait until HAProxy counts it.
    const counted = await localSh(`i=0; while [ $i -lt 200 ]; do n=$(python3 -c 'import socket,sys
s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(b"show info\\n"); print(s.makefile().read())' ${socket} | awk -F': ' '$1=="CurrConns"{print $2}'); [ "$n" -ge 1 ] && exit 0; sleep 0.02; i=$((i+1)); done; exit 1`);
    expect(counted.code).toBe(0);
    const capped = await runModule(haproxyModule, {
      socket,
      action: 'wait_sessions',
      frontend: 'fe',
      timeout: 0.3,
      interval: 50,
    });
    expect(capped.changes[0]?.summary).toMatch(/frontend fe sessions 1 → ≤ 0/);
    expect(capped.result).toMatchObject({ sessions: 1, timed_out: true });
    const waiting = runModule(haproxyModule, { socket, action: 'wait_sessions', timeout: 10, interval: 50 });
    client.destroy();
    const done = await waiting;
    expect(done.result).toMatchObject({ sessions: 0, timed_out: false });
  });

  it('a missing socket is a clear error', async () => {
    await expect(planModule(haproxyModule, { socket: join(dir, 'none.sock'), action: 'info' })).rejects.toThrow(
      /stats socket .*none\.sock not found/,
    );
  });
});
