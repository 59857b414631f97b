// package: apt parsing from captured `apt-get -s` / dpkg-query output (this machine, Debian 12),
// dnf parsing from samples written after the dnf 4 / dnf 5 documented table layout (not captured), and planning.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  aptCommand,
  parseAptSim,
  parseDpkgQuery,
  parseListsAge,
  splitAptSpec,
} from '../../../src/modules/package/apt.js';
import { parseDnfSim, parseRpmProbe } from '../../../src/modules/package/dnf.js';
import { planPackage } from '../../../src/modules/package/index.js';
import { packageArgs, type PackageFacts } from '../../../src/modules/package/types.js';
import { raw } from '../../../src/core/shell.js';

const apt = (name: string): string => readFileSync(new URL(`./fixtures/apt/${name}`, import.meta.url), 'utf8');

describe('apt parsing (captured)', () => {
  it.each([
    [
      'sim-install.txt',
      [
        'install nginx-common',
        'install nginx',
        'install libnginx-mod-http-echo',
        'install nginx-light',
        'install socat',
      ],
      [],
    ],
    ['sim-upgrade.txt', ['upgrade libappstream4', 'upgrade appstream'], []],
    ['sim-remove.txt', ['remove haproxy'], []],
    ['sim-noop.txt', [], []],
    ['sim-unknown.txt', [], ['Unable to locate package no-such-package-xyz']],
    ['sim-badpin.txt', [], ["Version '9.9.9' for 'haproxy' was not found"]],
  ])('%s', (file, actions, errors) => {
    const sim = parseAptSim(apt(file));
    expect(sim.actions.map((a) => `${a.kind} ${a.name}`)).toEqual(actions);
    expect(sim.errors).toEqual(errors);
  });

  it('keeps versions of upgrades and removals', () => {
    expect(parseAptSim(apt('sim-upgrade.txt')).actions[1]).toEqual({
      kind: 'upgrade',
      name: 'appstream',
      from: '0.16.1-2',
      to: '0.16.1-2+b1',
    });
    expect(parseAptSim(apt('sim-remove.txt')).actions[0]).toEqual({
      kind: 'remove',
      name: 'haproxy',
      from: '2.6.12-1+deb12u4',
      to: null,
    });
  });

  it('dpkg-query: installed only ("rc" config-files entries are not)', () => {
    expect(parseDpkgQuery(apt('dpkg-query.txt'))).toEqual({ curl: '7.88.1-10+deb12u15', haproxy: '2.6.12-1+deb12u4' });
    expect(parseDpkgQuery('foo\t1.0\trc \nbar:amd64\t2.0\tii \n')).toEqual({ bar: '2.0' });
  });

  it.each([
    ['1000 400', 600],
    ['1000 0', null],
    ['', null],
  ])('lists age %s', (text, age) => expect(parseListsAge(text)).toBe(age));

  it('splits pins and builds non-interactive commands', () => {
    expect(splitAptSpec('haproxy=2.6.12-1')).toEqual({ name: 'haproxy', version: '2.6.12-1' });
    expect(aptCommand('install', ['haproxy=2.6.12-1']).text).toBe(
      'DEBIAN_FRONTEND=noninteractive LC_ALL=C apt-get install -y -q -o DPkg::Lock::Timeout=120 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold -- haproxy=2.6.12-1',
    );
  });
});

// Written from the dnf 4 and dnf 5 output format (not captured on a real host).
const DNF4 = `Last metadata expiration check: 0:12:01 ago on Mon 01 Jan 2024 10:00:00 AM UTC.
Dependencies resolved.
================================================================================
 Package                  Architecture  Version               Repository   Size
================================================================================
Installing:
 haproxy                  x86_64        2.4.22-3.el9_5.1      appstream   2.2 M
Upgrading:
 openssl                  x86_64        1:3.0.7-27.el9        baseos      1.2 M
Installing dependencies:
 python3-a-really-long-package-name-that-wraps
                          noarch        1.0-1.el9             appstream    50 k
Removing:
 oldpkg                   noarch        0.9-1.el9             @baseos      10 k

Transaction Summary
================================================================================
Install  2 Packages
Upgrade  1 Package
Remove   1 Package

Total download size: 3.4 M
Operation aborted.
rc=1`;

const DNF5 = `Updating and loading repositories:
Repositories loaded.
Package                     Arch   Version                Repository      Size
Upgrading:
 haproxy                    x86_64 2.8.10-1.fc41          updates      6.0 MiB
   replacing haproxy        x86_64 2.8.3-1.fc41           updates      5.9 MiB

Transaction Summary:
 Upgrading:          1 package
Operation aborted by the user.
rc=1`;

describe('dnf parsing (format samples)', () => {
  it('dnf 4 table with a wrapped name', () => {
    expect(parseDnfSim(DNF4).actions).toEqual([
      { kind: 'install', name: 'haproxy', from: null, to: '2.4.22-3.el9_5.1' },
      { kind: 'upgrade', name: 'openssl', from: null, to: '1:3.0.7-27.el9' },
      { kind: 'install', name: 'python3-a-really-long-package-name-that-wraps', from: null, to: '1.0-1.el9' },
      { kind: 'remove', name: 'oldpkg', from: '0.9-1.el9', to: null },
    ]);
  });
  it('dnf 5 table; "replacing" lines skipped', () => {
    expect(parseDnfSim(DNF5).actions).toEqual([{ kind: 'upgrade', name: 'haproxy', from: null, to: '2.8.10-1.fc41' }]);
  });
  it('errors and "Nothing to do."', () => {
    expect(parseDnfSim('No match for argument: nope\nError: Unable to find a match: nope\nrc=1').errors).toEqual([
      'No match for argument: nope',
      'Unable to find a match: nope',
    ]);
    expect(parseDnfSim('Dependencies resolved.\nNothing to do.\nComplete!\nrc=0')).toEqual({ actions: [], errors: [] });
  });
  it('rpm -q per spec', () => {
    const out = '@@ober-section:rpm0@@\nhaproxy\t(none):2.4.22-3.el9.x86_64\n@@ober-section:rpm1@@\n';
    expect(parseRpmProbe(out, ['haproxy', 'socat'])).toEqual({
      haproxy: { name: 'haproxy', version: '2.4.22-3.el9.x86_64' },
      socat: null,
    });
  });
});

function facts(p: Partial<PackageFacts>): PackageFacts {
  return { manager: 'apt', satisfied: {}, installed: {}, cacheAge: 10, simulation: null, repoFiles: [], ...p };
}
const args = (a: Record<string, unknown>) => packageArgs.parse(a);

describe('planPackage', () => {
  it.each([
    {
      what: 'apt present, installed: nothing',
      f: facts({ satisfied: { haproxy: '2.6' }, installed: { haproxy: '2.6' } }),
      a: { name: 'haproxy' },
      summaries: [],
    },
    {
      what: 'apt present, missing: install named from the simulation',
      f: facts({
        satisfied: { socat: null },
        installed: { socat: null },
        simulation: parseAptSim(apt('sim-install.txt')),
      }),
      a: { name: 'socat' },
      summaries: [
        'install nginx-common 1.22.1-9+deb12u11, nginx 1.22.1-9+deb12u11, libnginx-mod-http-echo 1:0.63-4, nginx-light 1.22.1-9+deb12u11, socat 1.7.4.4-2',
      ],
    },
    {
      what: 'apt latest, up to date: nothing',
      f: facts({
        satisfied: { haproxy: '2.6' },
        installed: { haproxy: '2.6' },
        simulation: { actions: [], errors: [] },
      }),
      a: { name: 'haproxy', state: 'latest' },
      summaries: [],
    },
    {
      what: 'apt latest with an upgrade',
      f: facts({
        satisfied: { appstream: '0.16.1-2' },
        installed: { appstream: '0.16.1-2' },
        simulation: parseAptSim(apt('sim-upgrade.txt')),
      }),
      a: { name: 'appstream', state: 'latest' },
      summaries: ['upgrade libappstream4 0.16.1-2 → 0.16.1-2+b1, appstream 0.16.1-2 → 0.16.1-2+b1'],
    },
    {
      what: 'apt absent',
      f: facts({
        satisfied: { haproxy: '2.6' },
        installed: { haproxy: '2.6' },
        simulation: parseAptSim(apt('sim-remove.txt')),
      }),
      a: { name: 'haproxy', state: 'absent' },
      summaries: ['remove haproxy 2.6.12-1+deb12u4'],
    },
    {
      what: 'apt update_cache with fresh lists and nothing to install: nothing',
      f: facts({ satisfied: { haproxy: '2.6' }, installed: { haproxy: '2.6' }, cacheAge: 100 }),
      a: { name: 'haproxy', update_cache: true },
      summaries: [],
    },
    {
      what: 'apt update_cache with stale lists: the update alone',
      f: facts({ satisfied: { haproxy: '2.6' }, installed: { haproxy: '2.6' }, cacheAge: 7200 }),
      a: { name: 'haproxy', update_cache: true },
      summaries: ['apt-get update (lists 7200s old)'],
    },
    {
      what: 'dnf latest',
      f: facts({
        manager: 'dnf',
        satisfied: { haproxy: '2.4.22-1' },
        installed: { haproxy: '2.4.22-1' },
        cacheAge: null,
        simulation: parseDnfSim(DNF5),
      }),
      a: { name: 'haproxy', state: 'latest' },
      summaries: ['upgrade haproxy 2.4.22-1 → 2.8.10-1.fc41'],
    },
    {
      what: 'dnf present, installed: nothing',
      f: facts({
        manager: 'dnf',
        satisfied: { 'haproxy-2.4.22': '2.4.22-3' },
        installed: { haproxy: '2.4.22-3' },
        cacheAge: null,
      }),
      a: { name: 'haproxy-2.4.22' },
      summaries: [],
    },
  ])('$what', ({ f, a, summaries }) => {
    expect(planPackage(f, args(a)).map((c) => c.summary)).toEqual(summaries);
  });

  it('apt: stale lists + latest → update then install, uncertain', () => {
    const f = facts({
      satisfied: { haproxy: '2.6' },
      installed: { haproxy: '2.6' },
      cacheAge: null,
      simulation: { actions: [], errors: [] },
    });
    const [c] = planPackage(f, args({ name: 'haproxy', state: 'latest', update_cache: true }));
    expect(c?.uncertain).toBe(true);
    expect(c?.ops.map((o) => (o.kind === 'exec' ? o.command.text.split(' ').slice(2, 4).join(' ') : o.kind))).toEqual([
      'apt-get update',
      'apt-get install',
    ]);
  });

  it('dnf: install missing with dnf -y install', () => {
    const f = facts({
      manager: 'dnf',
      satisfied: { haproxy: null },
      installed: { haproxy: null },
      cacheAge: null,
      simulation: parseDnfSim(DNF4),
    });
    const [c] = planPackage(f, args({ name: 'haproxy' }));
    expect(c?.ops).toEqual([
      { kind: 'exec', command: raw('LC_ALL=C dnf -y install -- haproxy'), timeoutMs: 1_800_000 },
    ]);
  });

  it('apt reinstalled: an action naming what the simulation reinstalls and upgrades (candidates newer than the installed)', () => {
    const f = facts({
      satisfied: { haproxy: '2.6.12-1+deb12u4', curl: '7.88.1-10+deb12u14' },
      installed: { haproxy: '2.6.12-1+deb12u4', curl: '7.88.1-10+deb12u14' },
      simulation: parseAptSim(apt('sim-reinstall.txt')),
    });
    const [c, ...rest] = planPackage(f, args({ name: ['haproxy', 'curl'], state: 'reinstalled' }));
    expect(rest).toEqual([]);
    expect(c?.kind).toBe('action');
    expect(c?.summary).toMatch(/^reinstall haproxy 2\.6\.12-1\+deb12u4; upgrade curl 7\.88\.1-10\+deb12u14 → /);
    expect(c?.ops.map((o) => (o.kind === 'exec' ? o.command.text : o.kind))).toEqual([
      'DEBIAN_FRONTEND=noninteractive LC_ALL=C apt-get install --reinstall -y -q -o DPkg::Lock::Timeout=120 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold -- haproxy curl',
    ]);
  });

  it('apt reinstalled plans work even when the simulation lists nothing (it always runs)', () => {
    const f = facts({ satisfied: { haproxy: '2.6' }, installed: { haproxy: '2.6' }, simulation: null });
    const [c] = planPackage(f, args({ name: 'haproxy', state: 'reinstalled' }));
    expect(c?.summary).toBe('reinstall haproxy');
    expect(c?.kind).toBe('action');
  });

  it('dnf reinstalled: installs what is missing, reinstalls what is there', () => {
    const f = facts({
      manager: 'dnf',
      satisfied: { haproxy: '2.4.22-1', keepalived: null },
      installed: { haproxy: '2.4.22-1', keepalived: null },
      cacheAge: null,
    });
    const [c] = planPackage(f, args({ name: ['haproxy', 'keepalived'], state: 'reinstalled' }));
    expect(c?.ops.map((o) => (o.kind === 'exec' ? o.command.text : o.kind))).toEqual([
      'LC_ALL=C dnf -y install -- keepalived',
      'LC_ALL=C dnf -y reinstall -- haproxy',
    ]);
  });

  it('an unknown package is an error unless an update runs first', () => {
    const f = facts({
      satisfied: { nope: null },
      installed: { nope: null },
      simulation: parseAptSim(apt('sim-unknown.txt')),
    });
    expect(() => planPackage(f, args({ name: 'nope' }))).toThrow(/Unable to locate package/);
    const [c] = planPackage({ ...f, cacheAge: 99999 }, args({ name: 'nope', update_cache: true }));
    expect(c?.uncertain).toBe(true);
  });
});
