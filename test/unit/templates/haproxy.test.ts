// haproxy.cfg.hbs: every inventory passes `haproxy -c`, Herr Ober's HAProxy bugs (herr-ober.md §3, §11) are
// absent, and a real HAProxy 2.6 on loopback drains through the runtime API as the template documents.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request, createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sysctlMap } from '../../../src/stack/tuning.js';
import { parseStackVars } from '../../../src/stack/context.js';
import { bgpVars, hosts, keepalivedHosts, keepalivedVars } from '../stack/fixtures.js';
import { freePort, renderHost, run, tempPaths, waitFor } from './harness.js';

const dir = mkdtempSync(join(tmpdir(), 'ober-haproxy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function checkConfig(path: string): void {
  const r = run('haproxy', ['-c', '-f', path]);
  expect(r.out).toContain('Configuration file is valid');
  expect(r.code).toBe(0);
}

/** `name` -> the lines of each section ("frontend fe_80" -> [...]). */
function sections(cfg: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current: string[] = [];
  for (const line of cfg.split('\n')) {
    if (/^(global|defaults|frontend|backend|listen)\b/.test(line)) out.set(line.trim(), (current = []));
    else if (line.trim() !== '' && !line.trim().startsWith('#')) current.push(line.trim());
  }
  return out;
}

/** Every default_backend/use_backend names a backend section that exists. */
function expectRoutesResolve(cfg: string): void {
  const secs = sections(cfg);
  const routed = [...cfg.matchAll(/^\s*(?:default_backend|use_backend)\s+(\S+)/gm)].map((m) => m[1]);
  expect(routed.length).toBeGreaterThan(0);
  for (const name of routed) expect(secs.has(`backend ${name}`)).toBe(true);
}

const severalBackends = {
  ...bgpVars,
  whitelists: { admins: ['10.0.0.0/8', '192.168.1.[1-3]'], partners: ['172.16.5.5'], unused: ['1.2.3.4'] },
  frontends: [
    { port: 80, allow: ['admins', 'partners'] },
    { port: 8080, backend: 'archive' },
  ],
  backends: [
    {
      name: 's3_backend_1',
      servers: ['10.99.0.200:8080', '10.99.0.201:8080'],
      health_check_path: '/swift/healthcheck',
    },
    { name: 'archive', servers: ['rgw-archive.example:7480'], balance: 'roundrobin', check_interval_ms: 2000 },
  ],
};

describe('haproxy.cfg.hbs passes haproxy -c', () => {
  it('BGP, 3 nodes, one backend', () => {
    const all = hosts(3);
    for (let i = 0; i < 3; i++) {
      const r = renderHost(dir, bgpVars, all, i);
      checkConfig(r.local(r.paths.haproxyConfig));
      const cfg = r.file(r.paths.haproxyConfig);
      expect(cfg).toMatch(/^\s+bind 10\.99\.100\.1:80$/m);
      expectRoutesResolve(cfg);
    }
  });

  it('keepalived, 3 nodes, 3 VIPs: every node binds every VIP (haproxy -c does not bind; see the netns test)', () => {
    const all = keepalivedHosts();
    for (let i = 0; i < 3; i++) {
      const r = renderHost(dir, keepalivedVars, all, i);
      checkConfig(r.local(r.paths.haproxyConfig));
      const cfg = r.file(r.paths.haproxyConfig);
      for (const vip of keepalivedVars.vips) expect(cfg).toContain(`bind ${vip}:80`);
    }
  });

  it('several backends, whitelists and an explicit backend per frontend (Herr Ober default name s3_backend_1)', () => {
    const r = renderHost(dir, severalBackends, hosts(1), 0);
    checkConfig(r.local(r.paths.haproxyConfig));
    const cfg = r.file(r.paths.haproxyConfig);
    const secs = sections(cfg);
    expect(secs.get('frontend fe_80')).toContain('default_backend s3_backend_1');
    expect(secs.get('frontend fe_8080')).toContain('default_backend archive');
    expect(secs.get('backend s3_backend_1')).toEqual(
      expect.arrayContaining([
        'balance leastconn',
        'option httpchk GET /swift/healthcheck',
        'server s3_backend_11 10.99.0.200:8080 check inter 1000ms',
      ]),
    );
    expect(secs.get('backend archive')).toContain('server archive1 rgw-archive.example:7480 check inter 2000ms');
    expectRoutesResolve(cfg);
  });

  it('TLS frontend with a certificate made by openssl', () => {
    const paths = tempPaths(dir);
    mkdirSync(paths.certsDir!, { recursive: true });
    const key = join(dir, 'key.pem');
    const crt = join(dir, 'crt.pem');
    const gen = run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=s3.test',
      '-keyout',
      key,
      '-out',
      crt,
    ]);
    expect(gen.code).toBe(0);
    writeFileSync(join(paths.certsDir!, 's3.pem'), readFileSync(crt, 'utf8') + readFileSync(key, 'utf8'));
    const vars = { ...bgpVars, frontends: [{ port: 80 }, { port: 443, tls: { cert: 'files/s3.pem' } }] };
    const r = renderHost(dir, vars, hosts(1), 0, paths);
    const cfg = r.file(r.paths.haproxyConfig);
    expect(cfg).toContain(`bind 10.99.100.1:443 ssl crt ${paths.certsDir}/s3.pem`);
    checkConfig(r.local(r.paths.haproxyConfig));
    // The same config without the PEM on disk fails: the check really reads the certificate.
    rmSync(join(paths.certsDir!, 's3.pem'));
    expect(run('haproxy', ['-c', '-f', r.local(r.paths.haproxyConfig)]).code).not.toBe(0);
  });
});

describe("Herr Ober's HAProxy bugs are not repeated", () => {
  const r = renderHost(dir, severalBackends, hosts(1), 0);
  const cfg = r.file(r.paths.haproxyConfig);
  const global = sections(cfg).get('global') ?? [];

  it('runtime API, master-worker and hard-stop-after are configured', () => {
    expect(global).toContain('master-worker');
    expect(global).toContain(`stats socket ${r.paths.statsSocket} mode 660 level admin expose-fd listeners`);
    expect(global).toContain('hard-stop-after 30s');
    expect(global).toContain('maxconn 9000');
    expect(global.some((l) => l.startsWith('pidfile'))).toBe(false); // the unit passes -p; never both
  });

  it('a long server timeout for multipart completes', () => {
    expect(sections(cfg).get('defaults')).toContain('timeout server 300s');
  });

  it('whitelists are rendered only when referenced, and every rendered list is used by an ACL', () => {
    const lists = r.files.filter((f) => f.path.endsWith('.lst'));
    expect(lists.map((f) => f.path).sort()).toEqual([
      join(r.paths.listsDir, 'admins.lst'),
      join(r.paths.listsDir, 'partners.lst'),
    ]);
    for (const l of lists) expect(cfg).toContain(`-f ${l.path}`);
    expect(sections(cfg).get('frontend fe_80')).toContain(
      `tcp-request connection reject unless { src -f ${r.paths.listsDir}/admins.lst -f ${r.paths.listsDir}/partners.lst }`,
    );
    expect(
      sections(cfg)
        .get('frontend fe_8080')
        ?.some((l) => l.includes('src -f')),
    ).toBe(false);
    expect(
      r
        .file(join(r.paths.listsDir, 'admins.lst'))
        .split('\n')
        .filter((l) => l && !l.startsWith('#')),
    ).toEqual(['10.0.0.0/8', '192.168.1.1', '192.168.1.2', '192.168.1.3']);
  });

  it('/health fails while draining or when no backend server is up', () => {
    const stats = sections(cfg).get('frontend stats') ?? [];
    expect(stats).toContain('monitor-uri /health');
    expect(stats).toContain('monitor fail if { var(proc.ober_drain) -m bool }');
    expect(stats).toContain('monitor fail if { nbsrv(s3_backend_1) lt 1 } { nbsrv(archive) lt 1 }');
  });

  it('keepalived mode sets ip_nonlocal_bind, BGP mode does not need it', () => {
    expect(sysctlMap(parseStackVars(keepalivedVars))['net.ipv4.ip_nonlocal_bind']).toBe('1');
    expect(sysctlMap(parseStackVars(bgpVars))['net.ipv4.ip_nonlocal_bind']).toBeUndefined();
  });
});

describe('keepalived mode: a backup node binds VIPs it does not hold', () => {
  it('haproxy starts in a fresh network namespace with ip_nonlocal_bind=1, and fails without it', async () => {
    const all = keepalivedHosts();
    const stats = await freePort();
    const r = renderHost(dir, { ...keepalivedVars, stats_port: stats }, all, 1);
    const cfg = r.local(r.paths.haproxyConfig);
    // Inside the private namespace no VIP is local; poll the stats port until it answers, then stop.
    const script = (nonlocal: string): string => `
      ip link set lo up
      sysctl -q -w net.ipv4.ip_nonlocal_bind=${nonlocal}
      haproxy -W -f ${cfg} >/dev/null 2>&1 & pid=$!
      for i in $(seq 200); do
        if ! kill -0 $pid 2>/dev/null; then echo EXITED; exit 0; fi
        if curl -s -o /dev/null http://127.0.0.1:${stats}/stats; then ss -ltnH | awk '{print $4}' | sort; kill $pid; wait $pid; exit 0; fi
        sleep 0.05
      done
      echo TIMEOUT; kill $pid`;
    const ok = run('unshare', ['-n', 'bash', '-c', script('1')]);
    for (const vip of keepalivedVars.vips) expect(ok.out).toContain(`${vip}:80`);
    const bad = run('unshare', ['-n', 'bash', '-c', script('0')]);
    expect(bad.out).toContain('EXITED');
  });
});

describe('a running HAProxy 2.6 on loopback', () => {
  let haproxy: ChildProcess | undefined;
  let backend: Server | undefined;
  afterAll(() => {
    haproxy?.kill('SIGTERM');
    backend?.close();
  });

  function get(port: number, path: string): Promise<{ status: number; connection: string | undefined; body: string }> {
    return new Promise((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port, path, headers: { connection: 'keep-alive' }, agent: false },
        (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body }));
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  function cli(socket: string, command: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const c = connect(socket);
      let out = '';
      c.on('data', (d) => (out += d.toString()));
      c.on('end', () => resolve(out));
      c.on('error', reject);
      c.end(`${command}\n`);
    });
  }

  it('the build has the Prometheus exporter the stats frontend uses', () => {
    expect(run('haproxy', ['-vv']).out).toMatch(/Available services : .*prometheus-exporter/);
  });

  it('serves, drains with Connection: close and a failing /health, undrains, closes keep-alive without draining, and fails /health without backends', async () => {
    const [front, stats, back] = [await freePort(), await freePort(), await freePort()];
    backend = createServer((_, res) => res.end('ok'));
    await new Promise<void>((res) => backend!.listen(back, '127.0.0.1', res));
    const vars = {
      ...bgpVars,
      vips: ['127.0.0.1'],
      stats_port: stats,
      frontends: [{ port: front }],
      backends: [{ name: 'rgw', servers: [`127.0.0.1:${back}`], check_interval_ms: 100 }],
    };
    const r = renderHost(dir, vars, hosts(1), 0);
    const path = r.local(r.paths.haproxyConfig);
    // Only loopback in tests: the stats frontend binds *:port in production.
    writeFileSync(path, readFileSync(path, 'utf8').replace(`bind *:${stats}`, `bind 127.0.0.1:${stats}`));
    haproxy = spawn('haproxy', ['-W', '-f', path], { stdio: 'ignore' });
    await waitFor('/health 200', async () =>
      (await get(stats, '/health').catch(() => null))?.status === 200 ? true : undefined,
    );

    const served = await get(front, '/');
    expect(served).toMatchObject({ status: 200, body: 'ok' });
    expect(served.connection).not.toBe('close');
    expect((await get(stats, '/metrics')).body).toContain('haproxy_process_');

    await cli(r.paths.statsSocket, 'experimental-mode on; set var proc.ober_drain bool(true)');
    expect(await cli(r.paths.statsSocket, 'get var proc.ober_drain')).toContain('value=<1>');
    expect((await get(stats, '/health')).status).toBe(503);
    expect((await get(front, '/')).connection).toBe('close');

    await cli(r.paths.statsSocket, 'experimental-mode on; set var proc.ober_drain bool(false)');
    expect((await get(stats, '/health')).status).toBe(200);
    expect((await get(front, '/')).connection).not.toBe('close');

    // The fleet-wide close switch of a next-hop change: keep-alive connections close, /health stays 200.
    await cli(r.paths.statsSocket, 'experimental-mode on; set var proc.ober_close bool(true)');
    expect((await get(front, '/')).connection).toBe('close');
    expect((await get(stats, '/health')).status).toBe(200);
    await cli(r.paths.statsSocket, 'experimental-mode on; set var proc.ober_close bool(false)');
    expect((await get(front, '/')).connection).not.toBe('close');

    await new Promise<void>((res) => backend!.close(() => res()));
    backend = undefined;
    await waitFor('/health 503 with no backend up', async () =>
      (await get(stats, '/health')).status === 503 ? true : undefined,
    );
  });
});
