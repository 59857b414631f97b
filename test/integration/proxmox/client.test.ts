// The API client against the simulator over real HTTPS on loopback: auth, TLS, errors, retries, tasks.
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { Secret } from '../../../src/core/secret.js';
import { PveClient, type PveClientEvent } from '../../../src/proxmox/client.js';
import { PveApiError, PvePermissionError, PveTaskError } from '../../../src/proxmox/errors.js';
import { createPveClient, createVmResolver } from '../../../src/proxmox/resolver.js';
import { waitTask } from '../../../src/proxmox/tasks.js';
import { generateCert, type PveSim } from '../../pve-sim/index.js';
import {
  FAST,
  TOKEN_ID,
  TOKEN_SECRET,
  baseConfig,
  endpointFor,
  inventoryFor,
  secretFile,
  startSim,
  until,
} from './helpers.js';

let sim: PveSim;
beforeAll(async () => {
  sim = await startSim();
  sim.addToken('audit@pve!ro', 'ro-secret-0001', ['VM.Audit', 'VM.Config.Options', 'VM.Config.Network']);
  sim.addUser('ober@pve', 'hunter2-long');
  sim.addVm({ vmid: 100, node: 'pve1', config: baseConfig() });
  sim.addVm({ vmid: 102, node: 'pve2', config: baseConfig({ name: 'twin' }) });
  sim.addVm({ vmid: 103, node: 'pve1', config: baseConfig({ name: 'twin' }) });
});
afterAll(() => sim.close());
beforeEach(() => {
  sim.requests.length = 0;
});

const client = (over: Parameters<typeof endpointFor>[1] = {}, events?: PveClientEvent[]): PveClient =>
  createPveClient(endpointFor(sim, over), { ...FAST, ...(events ? { onEvent: (e) => events.push(e) } : {}) });

describe('TLS', () => {
  test('the pinned fingerprint is accepted in any case and with or without colons', async () => {
    const fp = sim.fingerprint.toLowerCase();
    await expect(client({ fingerprint: fp }).get('/version')).resolves.toMatchObject({ version: expect.any(String) });
    await expect(client({ fingerprint: fp.replace(/:/g, '') }).get('/version')).resolves.toBeTruthy();
  });

  test('a wrong fingerprint is refused before any request (the token never leaves)', async () => {
    const other = generateCert();
    const err = await client({ fingerprint: other.fingerprint })
      .get('/version')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PveApiError);
    expect(err).toMatchObject({ kind: 'tls', attempts: 1 });
    expect((err as Error).message).toContain(sim.fingerprint);
    expect(sim.requests).toEqual([]);
  });

  test('without pin or CA the self-signed cert is rejected; a CA file that signs it is trusted', async () => {
    const { fingerprint: _fp, ...noPin } = endpointFor(sim);
    await expect(createPveClient({ ...noPin, fingerprint: undefined }, FAST).get('/version')).rejects.toMatchObject({
      kind: 'tls',
    });
    const caFile = secretFile(sim.cert.cert); // a self-signed cert is its own CA
    writeFileSync(caFile, sim.cert.cert);
    await expect(
      createPveClient({ ...noPin, fingerprint: undefined, caFile }, FAST).get('/version'),
    ).resolves.toBeTruthy();
  });

  test('insecure works only when asked and emits a warning event', async () => {
    const events: PveClientEvent[] = [];
    const c = createPveClient(
      { ...endpointFor(sim), fingerprint: undefined, insecure: true },
      { ...FAST, onEvent: (e) => events.push(e) },
    );
    await expect(c.get('/version')).resolves.toBeTruthy();
    expect(events).toEqual([
      expect.objectContaining({ type: 'warning', message: expect.stringContaining('TLS verification is disabled') }),
    ]);
  });
});

describe('auth', () => {
  test('a bad token: 401, clear error, not retried, secret not in the message', async () => {
    const file = secretFile('wrong-secret-value');
    const err = await client({ tokenSecret: { file } })
      .get('/nodes/pve1/qemu/100/config')
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'auth', status: 401, reason: 'Authentication failed!', attempts: 1 });
    expect((err as Error).message).toMatch(/check the API token id and secret; not retried/);
    expect((err as Error).message).not.toContain('wrong-secret-value');
    expect(sim.requests).toHaveLength(1);
  });

  test('the token secret comes from env or file, only when needed', async () => {
    const c = createPveClient(endpointFor(sim, { tokenSecret: { env: 'PVE_SIM_TOKEN' } }), {
      ...FAST,
      env: { PVE_SIM_TOKEN: TOKEN_SECRET },
    });
    await expect(c.get('/version')).resolves.toBeTruthy();
    const missing = createPveClient(endpointFor(sim, { tokenSecret: { env: 'PVE_MISSING' } }), { ...FAST, env: {} });
    expect(sim.requests).toHaveLength(1); // constructing the client read nothing
    await expect(missing.get('/version')).rejects.toMatchObject({
      name: 'ConfigError',
      message: expect.stringContaining('PVE_MISSING is not set'),
    });
  });

  test('ticket auth: cookie for reads, CSRF token on writes, renewal before expiry', async () => {
    let now = Date.now();
    const c = new PveClient({
      name: 'lab',
      url: sim.url,
      trust: { kind: 'fingerprint', sha256: sim.fingerprint },
      auth: { kind: 'ticket', username: 'ober@pve', password: () => Promise.resolve(new Secret('hunter2-long')) },
      retry: FAST.retry,
      now: () => now,
      ticketRenewAfterMs: 60_000,
    });
    await c.get('/nodes/pve1/qemu/100/config');
    const upid = await c.post<string>('/nodes/pve1/qemu/100/config', { description: 'via ticket' });
    await until(() => sim.vm(100).conf.get('description') === 'via ticket');
    expect(upid).toMatch(/:qmconfig:100:ober@pve:$/);
    expect(sim.requests.map((r) => `${r.method} ${r.path} ${r.identity ?? '-'}`)).toEqual([
      'POST /access/ticket -',
      'GET /nodes/pve1/qemu/100/config ober@pve',
      'POST /nodes/pve1/qemu/100/config ober@pve',
    ]);
    expect(sim.requests[0]?.params['password']).toBe('hunter2-long');
    now += 61_000;
    await c.get('/version');
    const renew = sim.requests[3];
    expect(renew?.path).toBe('/access/ticket');
    expect(renew?.params['password']).toMatch(/^PVE:ober@pve:/); // the old ticket, not the password
  });

  test('ticket writes without a CSRF token are refused by the simulator', async () => {
    const t = sim.auth.issue('ober@pve');
    const res = await fetchInsecure(`${sim.url}/api2/json/nodes/pve1/qemu/100/config`, {
      method: 'POST',
      cookie: `PVEAuthCookie=${encodeURIComponent(t.ticket)}`,
      body: 'description=x',
    });
    expect(res).toEqual({ status: 401, reason: 'Permission denied - invalid csrf token', body: '' });
  });
});

describe('errors', () => {
  test('403 names the missing privilege, and nothing changes', async () => {
    const c = client({ tokenId: 'audit@pve!ro', tokenSecret: { file: secretFile('ro-secret-0001') } });
    const before = sim.vm(100).digest();
    const err = await c.post('/nodes/pve1/qemu/100/config', { cpu: 'host', digest: before }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PvePermissionError);
    expect(err).toMatchObject({ status: 403, aclPath: '/vms/100', privilege: 'VM.Config.CPU' });
    expect(sim.vm(100).digest()).toBe(before);
  });

  test('400 lists the errors per parameter', async () => {
    const err = await client()
      .post('/nodes/pve1/qemu/100/config', { net0: 'virtio=BC:24:11:2A:3B:4C,bridge=vmbr0,queues=65', cores: 0 })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'validation', status: 400, reason: 'Parameter verification failed.' });
    expect((err as PveApiError).errors).toEqual({
      net0: 'invalid format - format error\nnet0.queues: value must have a maximum value of 64\n',
      cores: 'value must have a minimum value of 1',
    });
    expect((err as Error).message).toContain('net0.queues: value must have a maximum value of 64');
  });

  test('a locked VM and an unknown path are typed', async () => {
    sim.setLock(100, 'backup');
    try {
      await expect(client().post('/nodes/pve1/qemu/100/config', { onboot: true })).rejects.toMatchObject({
        kind: 'locked',
        reason: 'VM is locked (backup)',
      });
    } finally {
      sim.setLock(100, undefined);
    }
    await expect(client().get('/nodes/pve1/nothing')).rejects.toMatchObject({ kind: 'not-implemented', status: 501 });
    await expect(client().get('/nodes/pve1/qemu/999/config')).rejects.toMatchObject({ kind: 'not-found', status: 500 });
  });

  test('595 node: retried with backoff, then a clear host-scoped error', async () => {
    sim.setNodeOnline('pve2', false);
    try {
      const events: PveClientEvent[] = [];
      const resolver = createVmResolver(
        inventoryFor(endpointFor(sim), { lb03: { proxmox: 'lab', node: 'pve2', vmid: 102 } }),
        { ...FAST, onEvent: (e) => events.push(e) },
      );
      const api = await resolver.forHost('lb03');
      const err = await api?.get('/nodes/pve2/qemu/102/config').catch((e: unknown) => e);
      expect(err).toMatchObject({ kind: 'unreachable', status: 595, attempts: 3, host: 'lb03' });
      expect((err as Error).message).toBe(
        'lb03: Proxmox lab: GET /nodes/pve2/qemu/102/config failed: 595 No route to host (after 3 attempts)',
      );
      expect(events.filter((e) => e.type === 'retry')).toHaveLength(2);
    } finally {
      sim.setNodeOnline('pve2', true);
    }
  });

  test('transient 595 on a GET is retried to success', async () => {
    sim.failNext(2, 595);
    await expect(client().get('/nodes/pve1/qemu/100/status/current')).resolves.toMatchObject({ status: 'running' });
    expect(sim.requests).toHaveLength(3);
  });

  test('595 on a write: never sent, so retried, and it lands once', async () => {
    sim.failNext(1, 595, { match: (r) => r.method === 'POST' });
    await client().post('/nodes/pve1/qemu/100/config', { description: 'after 595' });
    await until(() => sim.vm(100).conf.get('description') === 'after 595');
    expect(sim.writes().map((w) => w.status)).toEqual([595, 200]);
  });

  test('596 on a write: it may have run, so it is not resent and says the outcome is unknown', async () => {
    sim.failNext(1, 596, { match: (r) => r.method === 'POST' });
    const err = await client()
      .post('/nodes/pve1/qemu/100/config', { description: 'after 596' })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'unknown-outcome', status: 596, attempts: 1 });
    expect((err as Error).message).toContain('596 Broken pipe (the write may or may not have happened)');
    expect(sim.writes().map((w) => w.status)).toEqual([596]);
    await until(() => sim.vm(100).conf.get('description') === 'after 596');
  });

  test('596 on a GET is retried like 595', async () => {
    sim.failNext(1, 596);
    await expect(client().get('/nodes/pve1/qemu/100/status/current')).resolves.toMatchObject({ status: 'running' });
    expect(sim.requests).toHaveLength(2);
  });

  test('a 500 is not retried', async () => {
    sim.failNext(1, 500, { message: 'something broke' });
    await expect(client().get('/version')).rejects.toMatchObject({
      kind: 'server',
      reason: 'something broke',
      attempts: 1,
    });
    expect(sim.requests).toHaveLength(1);
  });
});

describe('tasks', () => {
  test('a failing task reports its exit status and the log lines', async () => {
    const c = client();
    sim.failNextTask("bridge 'vmbr9' does not exist", 'qmconfig');
    const upid = await c.post<string>('/nodes/pve1/qemu/100/config', { onboot: 1 });
    const err = await waitTask(c, upid, { pollMs: 10, timeoutMs: 5000, appearMs: 1000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PveTaskError);
    expect(err).toMatchObject({
      exitStatus: "bridge 'vmbr9' does not exist",
      log: ["bridge 'vmbr9' does not exist", "TASK ERROR: bridge 'vmbr9' does not exist"],
    });
  });

  test('"no such task" right after creation is retried', async () => {
    sim.taskVisibleAfterMs = 100;
    try {
      const c = client();
      const upid = await c.post<string>('/nodes/pve1/qemu/100/config', { onboot: 0 });
      await waitTask(c, upid, { pollMs: 10, timeoutMs: 5000, appearMs: 2000 });
      expect(sim.requests.some((r) => r.path.endsWith('/status') && r.status === 400)).toBe(true);
      expect(sim.vm(100).conf.get('onboot')).toBe('0');
    } finally {
      sim.taskVisibleAfterMs = 0;
    }
  });
});

describe('resolver', () => {
  test('names resolve to one VM; zero or several matches are clear errors; clients are shared', async () => {
    const resolver = createVmResolver(
      inventoryFor(endpointFor(sim), {
        a: { proxmox: 'lab', node: 'pve1', name: 'lb01' },
        b: { proxmox: 'lab', node: 'pve1', name: 'nope' },
        c: { proxmox: 'lab', node: 'pve1', name: 'twin' },
        d: { proxmox: 'lab', node: 'pve1', vmid: 100 },
      }),
      FAST,
    );
    expect(await resolver.forHost('a')).toMatchObject({ vmid: 100, node: 'pve1', proxmox: 'lab' });
    await expect(resolver.forHost('b')).rejects.toThrow(/no QEMU VM named "nope" on lab/);
    await expect(resolver.forHost('c')).rejects.toThrow(
      /2 VMs named "twin" on lab \(102 on pve2, 103 on pve1\); set vmid/,
    );
    expect(await resolver.forHost('nobody')).toBeNull();
    expect(resolver.client('lab')).toBe(resolver.client('lab'));
  });
});

// A raw request for checking the simulator itself (no client logic in the way).
async function fetchInsecure(
  url: string,
  opts: { method: string; cookie: string; body: string },
): Promise<{ status: number; reason: string; body: string }> {
  const { request } = await import('node:https');
  return new Promise((resolve, reject) => {
    const r = request(
      url,
      {
        method: opts.method,
        rejectUnauthorized: false,
        headers: { Cookie: opts.cookie, 'Content-Type': 'application/x-www-form-urlencoded' },
      },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, reason: res.statusMessage ?? '', body }));
      },
    );
    r.on('error', reject);
    r.end(opts.body);
  });
}

describe('writes whose outcome is unknown', () => {
  const resolverApi = async () => {
    const api = await createVmResolver(
      inventoryFor(endpointFor(sim), { lb01: { proxmox: 'lab', node: 'pve1', vmid: 100 } }),
      FAST,
    ).forHost('lb01');
    if (!api) throw new Error('no api');
    return api;
  };

  test('a config write that landed but lost its answer is not resent', async () => {
    const api = await resolverApi();
    sim.dropResponses(1, (r) => r.method === 'POST');
    const result = await api.write('POST', api.path('config'), { description: 'landed', digest: sim.vm(100).digest() });
    expect(result).toBeNull();
    expect(sim.vm(100).conf.get('description')).toBe('landed');
    expect(sim.writes()).toHaveLength(1);
  });

  test('the client itself never resends a write after the request went out', async () => {
    sim.dropResponses(1, (r) => r.method === 'POST');
    const err = await client()
      .post('/nodes/pve1/qemu/100/config', { description: 'once' })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'unknown-outcome', attempts: 1 });
    expect(sim.writes()).toHaveLength(1);
    await until(() => sim.vm(100).conf.get('description') === 'once'); // its task still ran
    expect(sim.writes()).toHaveLength(1);
  });

  test('a config write that changed nothing within the grace period is resent under the same digest guard', async () => {
    const api = await resolverApi();
    sim.dropResponses(1, (r) => r.method === 'POST');
    sim.failNextTask('simulated: the first write never ran', 'qmconfig');
    const digest = sim.vm(100).digest();
    const upid = await api.write('POST', api.path('config'), { description: 'second try', digest });
    await api.waitTask(String(upid));
    expect(sim.vm(100).conf.get('description')).toBe('second try');
    expect(sim.writes().map((w) => w.params['digest'])).toEqual([digest, digest]);
  });
});
