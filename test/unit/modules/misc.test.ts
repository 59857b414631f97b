// wait_for, assert, reboot, haproxy parsing/planning, registry and describe.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { assertArgs, assertModule, evaluateConditions } from '../../../src/modules/assert.js';
import { describeModule, formatModuleDoc, formatModuleList } from '../../../src/modules/describe.js';
import { haproxyArgs, parseHaproxyProbe, planHaproxy } from '../../../src/modules/haproxy/index.js';
import { adminFromBits, parseServersState, parseShowInfo, parseShowStat } from '../../../src/modules/haproxy/parse.js';
import { parseWaitOutput, waitSessionsScript } from '../../../src/modules/haproxy/scripts.js';
import { rebootArgs, rebootModule } from '../../../src/modules/reboot.js';
import { builtinModules } from '../../../src/modules/registry.js';
import { describeWait, parseElapsed, waitForArgs, waitForModule, waitScript } from '../../../src/modules/wait-for.js';

const fixture = (name: string): string => readFileSync(new URL(`./fixtures/haproxy/${name}`, import.meta.url), 'utf8');

describe('wait_for', () => {
  it.each([
    [{ port: 8404 }, '127.0.0.1:8404 to accept connections'],
    [{ port: 22, host: '10.0.0.1', state: 'stopped' }, '10.0.0.1:22 to refuse connections'],
    [
      { url: 'http://127.0.0.1:8404/health', body: 'ok' },
      'http://127.0.0.1:8404/health to answer 200 with a body matching /ok/',
    ],
    [{ path: '/run/haproxy/admin.sock' }, '/run/haproxy/admin.sock to exist'],
  ])('%j', (a, text) => expect(describeWait(waitForArgs.parse(a))).toBe(text));
  it('needs exactly one target', () => {
    expect(waitForArgs.safeParse({}).success).toBe(false);
    expect(waitForArgs.safeParse({ port: 1, path: '/x' }).success).toBe(false);
  });
  it('the loop script is valid dash syntax for every kind', () => {
    for (const a of [{ port: 1 }, { url: 'http://x/', body: "a'b" }, { path: '/x', state: 'stopped' }]) {
      expect(() => execFileSync('dash', ['-n', '-c', waitScript(waitForArgs.parse(a)).text])).not.toThrow();
    }
  });
  it('is a probe change with a timeout; register gets elapsed_ms from the applied output', () => {
    const a = waitForArgs.parse({ port: 80, timeout: 3 });
    const [c] = waitForModule.plan(null, a);
    expect(c).toMatchObject({ kind: 'observe', summary: 'wait up to 3s for 127.0.0.1:80 to accept connections' });
    expect(c?.ops[0]).toMatchObject({ kind: 'exec', timeoutMs: 18_000 });
    expect(waitForModule.result?.(null, a, { code: 0, stdout: 'elapsed_ms=42\n', stderr: '' })).toEqual({
      elapsed_ms: 42,
    });
    expect(parseElapsed('nothing')).toBeNull();
  });
});

describe('assert', () => {
  const vars = { facts: { cpus: 2 }, web: { status: 200 }, name: 'lb01' };
  it.each([
    ['facts.cpus >= 2', true],
    ['web.status == 200 and name == "lb01"', true],
    ['facts.cpus > 4', false],
    [true, true],
    [false, false],
  ])('%j', (that, ok) => expect(evaluateConditions(that, vars).results[0]?.ok).toBe(ok));
  it('fails with msg naming the failed conditions; passes with no change', () => {
    const a = assertArgs.parse({ that: ['facts.cpus >= 2', 'facts.cpus > 4'], msg: 'need more CPUs' });
    expect(() => assertModule.plan(evaluateConditions(a.that, vars), a)).toThrow('need more CPUs');
    expect(
      assertModule.plan(evaluateConditions('facts.cpus >= 2', vars), assertArgs.parse({ that: 'facts.cpus >= 2' })),
    ).toEqual([]);
    expect(assertModule.apiOnly).toBe(true);
  });
  it('an undefined variable is an error naming it', () => {
    expect(() => evaluateConditions('nope == 1', vars)).toThrow(/nope/);
  });
});

describe('reboot', () => {
  it('one detached reboot op needing the engine to reconnect', () => {
    const [c] = rebootModule.plan({ bootId: 'abc' }, rebootArgs.parse({}));
    expect(c?.needs).toEqual([{ kind: 'reboot', timeoutS: 600 }]);
    // The wait comes from the need itself, not from the module's register result.
    expect(rebootModule.plan({ bootId: 'abc' }, rebootArgs.parse({ timeout: 30 }))[0]?.needs).toEqual([
      { kind: 'reboot', timeoutS: 30 },
    ]);
    expect(c?.summary).toBe('reboot (boot id abc; wait up to 600s for a new one)');
    expect(rebootModule.result?.({ bootId: 'abc' }, rebootArgs.parse({ timeout: 30 }))).toEqual({
      boot_id_before: 'abc',
      timeout_s: 30,
    });
  });
});

describe('haproxy parsing (captured from HAProxy 2.6)', () => {
  it('show info', () => {
    const info = parseShowInfo(fixture('show-info-2.6.txt'));
    expect(info['Name']).toBe('HAProxy');
    expect(info['Version']).toBe('2.6.12-1+deb12u4');
    expect(info['CurrConns']).toBe('0');
  });
  it('show stat', () => {
    const rows = parseShowStat(fixture('show-stat-2.6.csv'));
    expect(rows.map((r) => `${r['pxname']}/${r['svname']}:${r['status']}`)).toEqual([
      'fe/FRONTEND:OPEN',
      'be/s1:no check',
      'be/s2:DRAIN',
      'be/BACKEND:UP',
    ]);
    expect(rows[0]?.['scur']).toBe('0');
  });
  it('show servers state', () => {
    expect(
      parseServersState(fixture('show-servers-state-2.6.txt')).map((s) => [s.backend, s.server, s.port, s.forced]),
    ).toEqual([
      ['be', 's1', 18081, 'ready'],
      ['be', 's2', 18082, 'drain'],
    ]);
    expect(() => parseServersState("Can't find backend.\n")).toThrow(/Can't find backend/);
  });
  it.each([
    [0, true, 'ready'],
    [8, true, 'drain'],
    [1, true, 'maint'],
    [9, true, 'maint'],
    [0x10, true, 'ready'],
    [0x10, false, 'drain'],
    [0x20, false, 'maint'],
  ])('admin bits %i forcedOnly=%s', (bits, forced, want) => expect(adminFromBits(bits, forced)).toBe(want));
});

describe('haproxy planning', () => {
  const probe = `@@ober-section:servers@@\n${fixture('show-servers-state-2.6.txt')}`;
  const a = (x: Record<string, unknown>) =>
    haproxyArgs.parse({ action: 'set_drain', backend: 'be', server: 's2', ...x });
  it.each([
    [{ state: 'drain' }, []],
    [{ state: 'ready' }, ['haproxy be/s2: drain → ready']],
    [{ state: 'maint' }, ['haproxy be/s2: drain → maint']],
  ])('set_drain %j', (x, summaries) =>
    expect(planHaproxy(parseHaproxyProbe(probe, a(x)), a(x)).map((c) => c.summary)).toEqual(summaries),
  );
  it('wait_sessions: nothing when already at or below max; a probe wait otherwise', () => {
    const w = haproxyArgs.parse({ action: 'wait_sessions', max_sessions: 2, timeout: 30 });
    expect(planHaproxy({ info: null, stat: null, servers: null, sessions: 2 }, w)).toEqual([]);
    const [c] = planHaproxy({ info: null, stat: null, servers: null, sessions: 5 }, w);
    expect(c).toMatchObject({ kind: 'observe', summary: 'wait up to 30s for haproxy sessions 5 → ≤ 2' });
  });
  it('the wait script is valid dash syntax and its output parses', () => {
    const script = waitSessionsScript({
      socket: '/run/haproxy/admin.sock',
      maxSessions: 0,
      count: { frontend: "fe'x" },
      timeoutS: 1,
      intervalMs: 100,
      failOnTimeout: false,
    });
    expect(() => execFileSync('dash', ['-n', '-c', script.text])).not.toThrow();
    expect(parseWaitOutput('sessions=3 elapsed_ms=1000 timed_out=1\n')).toEqual({
      sessions: 3,
      elapsed_ms: 1000,
      timed_out: true,
    });
  });
  it('set_drain needs backend and server', () => {
    expect(haproxyArgs.safeParse({ action: 'set_drain', backend: 'be' }).success).toBe(false);
  });
});

describe('registry and describe', () => {
  it('lists every host module once, by its YAML key', () => {
    expect([...builtinModules.keys()].sort()).toEqual(
      [
        'assert',
        'command',
        'copy',
        'file',
        'haproxy',
        'package',
        'proxmox_vm',
        'reboot',
        'service',
        'shell',
        'sysctl',
        'systemd',
        'template',
        'wait_for',
      ].sort(),
    );
  });
  it('every field of every module has a description', () => {
    for (const m of builtinModules.values()) {
      for (const f of describeModule(m).fields) expect(f.description, `${m.name}.${f.name}`).not.toBe('');
    }
  });
  it('documents types, required fields and defaults', () => {
    const doc = describeModule(builtinModules.get('service') ?? waitForModule);
    expect(doc.fields.find((f) => f.name === 'state')).toMatchObject({
      type: 'started | stopped | restarted | reloaded',
      required: false,
    });
    expect(doc.fields.find((f) => f.name === 'name')).toMatchObject({ type: 'string', required: true });
    const pkg = describeModule(builtinModules.get('package') ?? waitForModule);
    expect(pkg.fields.find((f) => f.name === 'name')?.type).toBe('string | string[]');
    expect(pkg.fields.find((f) => f.name === 'cache_valid_time')?.default).toBe(3600);
    const text = formatModuleDoc(describeModule(builtinModules.get('wait_for') ?? waitForModule));
    expect(text).toContain('  timeout (number; optional, default 60)');
    expect(formatModuleList(builtinModules.values()).split('\n')[0]).toMatch(/^assert +Fail with a message/);
  });
});
