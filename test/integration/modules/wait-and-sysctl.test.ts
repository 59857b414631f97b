// wait_for against a local TCP server and a file; sysctl planning against this machine's real /proc/sys (no apply).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CommandError, TaskError } from '../../../src/core/errors.js';
import { sysctlModule } from '../../../src/modules/sysctl.js';
import { waitForModule } from '../../../src/modules/wait-for.js';
import { localSh, planModule, runModule } from '../../support/local-host.js';
import { raw } from '../../../src/core/shell.js';

const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

function listen(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer((socket) => socket.end());
    servers.push(server);
    server.listen(0, '127.0.0.1', () => {
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : 0);
    });
  });
}

describe('wait_for', () => {
  it('waits for an open port and reports elapsed_ms; check mode only describes the wait', async () => {
    const port = await listen();
    const plan = await planModule(waitForModule, { port, timeout: 5 });
    expect(plan.changes[0]?.summary).toBe(`wait up to 5s for 127.0.0.1:${port} to accept connections`);
    expect(plan.changes[0]?.kind).toBe('observe');
    const out = await runModule(waitForModule, { port, timeout: 5 });
    expect(out.result?.['elapsed_ms']).toEqual(expect.any(Number));
  });

  it('fails on a closed port at the deadline and succeeds with state stopped', async () => {
    const port = await listen();
    servers.pop()?.close();
    await new Promise((r) => setTimeout(r, 0));
    await expect(runModule(waitForModule, { port, timeout: 0.5, interval: 50 })).rejects.toThrow(CommandError);
    const out = await runModule(waitForModule, { port, state: 'stopped', timeout: 5 });
    expect(out.result?.['elapsed_ms']).toEqual(expect.any(Number));
  });

  it('waits for a file that appears while it waits', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ober-wait-'));
    try {
      const path = join(dir, 'ready');
      const waiting = runModule(waitForModule, { path, timeout: 10, interval: 20 });
      await writeFile(path, '');
      const out = await waiting;
      expect(out.result?.['elapsed_ms']).toEqual(expect.any(Number));
      await rm(path);
      await expect(runModule(waitForModule, { path, timeout: 0.2, interval: 20 })).rejects.toThrow(
        /timed out after 0.2s waiting for .*ready to exist/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('waits for an HTTP status and body on a local server', async () => {
    const { createServer: http } = await import('node:http');
    const server = http((_req, res) => res.end('status: healthy\n'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      const out = await runModule(waitForModule, {
        url: `http://127.0.0.1:${port}/health`,
        body: 'heal+thy',
        timeout: 5,
      });
      expect(out.result?.['elapsed_ms']).toEqual(expect.any(Number));
      await expect(
        runModule(waitForModule, { url: `http://127.0.0.1:${port}/`, body: 'sick', timeout: 0.3, interval: 50 }),
      ).rejects.toThrow(/timed out/);
    } finally {
      server.close();
    }
  });
});

describe('sysctl (plan only, real /proc/sys)', () => {
  it('plans nothing for the current values, a change for a different one', async () => {
    const cur = (await localSh('cat /proc/sys/net/ipv4/tcp_rmem')).stdout.trim();
    const somaxconn = Number((await localSh('cat /proc/sys/net/core/somaxconn')).stdout.trim());
    const file = join(tmpdir(), `ober-sysctl-${process.pid}.conf`);
    const same = await planModule(sysctlModule, { values: { 'net.ipv4.tcp_rmem': cur.replace(/\s+/g, '  ') }, file });
    expect(same.changes.map((c) => c.summary)).toEqual([`create ${file}`]);
    const diff = await planModule(sysctlModule, { values: { 'net.core.somaxconn': somaxconn + 1 }, file });
    expect(diff.changes[0]?.summary).toBe(`net.core.somaxconn: ${somaxconn} → ${somaxconn + 1}`);
    expect(diff.changes[0]?.ops[0]).toEqual({
      kind: 'exec',
      command: raw(`sysctl -q -w net.core.somaxconn=${somaxconn + 1}`),
    });
  });

  it('a key the kernel does not have is an error naming it, or skipped with ignore_unavailable', async () => {
    const file = join(tmpdir(), `ober-sysctl-${process.pid}.conf`);
    const values = { 'net.core.no_such_key_xyz': 1 };
    await expect(planModule(sysctlModule, { values, file })).rejects.toThrow(TaskError);
    await expect(planModule(sysctlModule, { values, file })).rejects.toThrow(/net\.core\.no_such_key_xyz/);
    const skipped = await planModule(sysctlModule, { values, file, ignore_unavailable: true });
    expect(skipped.result?.['skipped']).toEqual(['net.core.no_such_key_xyz']);
    expect(skipped.changes).toHaveLength(1);
    expect(skipped.changes[0]?.summary).toContain('skipped with warning: net.core.no_such_key_xyz');
    expect(skipped.changes[0]?.diff?.after).toContain('# skipped, missing on this host: net.core.no_such_key_xyz = 1');
  });
});
