// The haproxy module against Debian's haproxy (from the lab repo) on a lab host (lb03), through the stats
// socket Debian's default config declares: /run/haproxy/admin.sock, level admin.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TaskError } from '../../../src/core/errors.js';
import { copyModule } from '../../../src/modules/copy.js';
import { haproxyModule } from '../../../src/modules/haproxy/index.js';
import type { ServerState } from '../../../src/modules/haproxy/parse.js';
import { packageModule } from '../../../src/modules/package/index.js';
import { serviceModule } from '../../../src/modules/service.js';
import { onHost, planOnLab, runOnLab, runTwice } from '../../support/lab-host.js';
import { labSkipReason, labState, waitFor } from '../harness.js';

const HOST = 'lb03';
const skip = labSkipReason();

const servers = async (): Promise<ServerState[]> =>
  (await planOnLab(haproxyModule, HOST, { action: 'server_state', backend: 'be_lab' })).facts.servers ?? [];
const forced = async (server: string): Promise<string | undefined> =>
  (await servers()).find((s) => s.server === server)?.forced;

describe.skipIf(skip)('haproxy module on a lab host', () => {
  beforeAll(async () => {
    await onHost(HOST, 'apt-get update -q >/dev/null');
    await runOnLab(packageModule, HOST, { name: 'haproxy' });
    await waitFor(() => onHost(HOST, 'test -S /run/haproxy/admin.sock').then(() => true), {
      what: 'haproxy stats socket',
    });
  });

  afterAll(async () => {
    await onHost(
      HOST,
      'apt-get purge -y -q haproxy >/dev/null && apt-get autoremove --purge -y -q >/dev/null; rm -rf /etc/haproxy /run/haproxy',
    );
  });

  it("uses Debian's default stats socket", async () => {
    expect(await onHost(HOST, 'grep "stats socket" /etc/haproxy/haproxy.cfg')).toMatch(
      /stats socket \/run\/haproxy\/admin\.sock .*level admin/,
    );
    const { changes, result } = await runOnLab(haproxyModule, HOST, { action: 'info' });
    expect(changes).toEqual([]);
    const info = result?.['info'] as Record<string, string>;
    expect(info['Name']).toBe('HAProxy');
    expect(info['Version']).toMatch(/^2\.6\./);
  });

  it('drains a server and makes it ready again, converging each time', async () => {
    const backend = labState().backend;
    const defaults = await onHost(HOST, 'cat /etc/haproxy/haproxy.cfg');
    const content = `${defaults}
frontend fe_lab
	bind 127.0.0.1:18080
	default_backend be_lab

backend be_lab
	server s1 ${backend.address}:${backend.httpPort}
	server s2 ${backend.address}:${backend.httpPort}
`;
    await runTwice(copyModule, HOST, { dest: '/etc/haproxy/haproxy.cfg', content, validate: 'haproxy -c -f %s' });
    await runOnLab(serviceModule, HOST, { name: 'haproxy', state: 'reloaded' });
    await waitFor(async () => (await servers()).length === 2, { what: 'be_lab with two servers after the reload' });

    const drained = await runTwice(haproxyModule, HOST, {
      action: 'set_drain',
      backend: 'be_lab',
      server: 's1',
      state: 'drain',
    });
    expect(drained.changes.map((c) => c.summary)).toEqual(['haproxy be_lab/s1: ready → drain']);
    expect(await forced('s1')).toBe('drain');
    expect(await forced('s2')).toBe('ready');
    const stat = (await runOnLab(haproxyModule, HOST, { action: 'stat', backend: 'be_lab' })).result?.['stat'] as Array<
      Record<string, string>
    >;
    expect(stat.find((r) => r['svname'] === 's1')?.['status']).toMatch(/DRAIN/);

    const ready = await runTwice(haproxyModule, HOST, {
      action: 'set_drain',
      backend: 'be_lab',
      server: 's1',
      state: 'ready',
    });
    expect(ready.changes.map((c) => c.summary)).toEqual(['haproxy be_lab/s1: drain → ready']);
    expect(await forced('s1')).toBe('ready');
  });

  it('wait_sessions returns at once when nothing is connected', async () => {
    const { changes, result } = await runOnLab(haproxyModule, HOST, {
      action: 'wait_sessions',
      max_sessions: 0,
      timeout: 5,
    });
    expect(changes).toEqual([]);
    expect(result).toEqual({ sessions: 0, elapsed_ms: 0, timed_out: false });
  });

  it('names a missing stats socket', async () => {
    await expect(
      planOnLab(haproxyModule, HOST, { action: 'info', socket: '/run/haproxy/missing.sock' }),
    ).rejects.toThrow(TaskError);
    await expect(
      planOnLab(haproxyModule, HOST, { action: 'info', socket: '/run/haproxy/missing.sock' }),
    ).rejects.toThrow(/stats socket \/run\/haproxy\/missing\.sock not found/);
  });
});
