import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/core/errors.js';
import { globMatch, patternListMatch } from '../../../src/transport/host-pattern.js';
import {
  loadSshConfig,
  parseSshConfig,
  resolveHostConfig,
  type HostConfig,
} from '../../../src/transport/ssh-config.js';

const ctx = { homeDir: '/home/op', localUser: 'op' };
const resolve = (text: string, name: string, extra: { user?: string; port?: number } = {}): HostConfig =>
  resolveHostConfig(parseSshConfig(text, { homeDir: ctx.homeDir }), name, { ...ctx, ...extra });

describe('host patterns', () => {
  it.each([
    ['*', 'anything', true],
    ['lb*', 'lb01', true],
    ['lb*', 'xlb01', false],
    ['lb0?', 'lb01', true],
    ['lb0?', 'lb012', false],
    ['*.example.com', 'a.b.example.com', true],
    ['LB01', 'lb01', true],
    ['10.0.*.1', '10.0.200.1', true],
    ['a*b*c', 'aXXbYYc', true],
    ['a*b*c', 'aXXbYY', false],
    ['', '', true],
  ])('glob %s vs %s -> %s', (pattern, text, want) => {
    expect(globMatch(pattern, text)).toBe(want);
  });

  it.each([
    [['lb*', '!lb03'], 'lb01', true],
    [['lb*', '!lb03'], 'lb03', false],
    [['!lb03'], 'lb01', false], // a negation alone never matches
    [['pve*', 'lb*'], 'lb02', true],
  ])('list %j vs %s -> %s', (patterns, text, want) => {
    expect(patternListMatch(patterns, text)).toBe(want);
  });
});

describe('resolveHostConfig', () => {
  const config = `
# comment
Host bastion
  HostName 203.0.113.5
  User jump

Host lb* !lb99
  HostName %h.dc1.example
  User deploy
  Port 2222
  IdentityFile ~/.ssh/%r@%h
  IdentityFile %d/keys/%u-%n
  ProxyJump bastion
  ServerAliveInterval 30

Match host lb01 exec "false"
  User match-user-never-applies

Host lb01
  User second-value-loses
  ConnectTimeout 5
  StrictHostKeyChecking accept-new
  UserKnownHostsFile ~/.ssh/kh_fleet /etc/ssh/kh_extra
  HostKeyAlias lb01-alias
  HashKnownHosts yes
  SomeFutureOption whatever

Host pve?
  ProxyCommand nsenter --net=/run/netns/lab nc %h %p
  Port=2200

Host *
  User fallback
  IdentityFile ~/.ssh/id_fleet
`;
  const cases: Array<[string, string, { user?: string; port?: number }, Partial<HostConfig>]> = [
    [
      'first value wins, tokens, several IdentityFiles in order',
      'lb01',
      {},
      {
        hostName: 'lb01.dc1.example',
        user: 'deploy',
        port: 2222,
        identityFiles: ['/home/op/.ssh/deploy@lb01.dc1.example', '/home/op/keys/op-lb01', '/home/op/.ssh/id_fleet'],
        proxyJump: 'bastion',
        serverAliveIntervalSec: 30,
        connectTimeoutSec: 5,
        strictHostKeyChecking: 'accept-new',
        userKnownHostsFiles: ['/home/op/.ssh/kh_fleet', '/etc/ssh/kh_extra'],
        hostKeyAlias: 'lb01-alias',
        hashKnownHosts: true,
      },
    ],
    [
      'negated pattern excludes lb99',
      'lb99',
      {},
      { hostName: 'lb99', user: 'fallback', port: 22, identityFiles: ['/home/op/.ssh/id_fleet'] },
    ],
    [
      'inventory user and port win over the file',
      'lb02',
      { user: 'root', port: 22 },
      {
        user: 'root',
        port: 22,
        identityFiles: ['/home/op/.ssh/root@lb02.dc1.example', '/home/op/keys/op-lb02', '/home/op/.ssh/id_fleet'],
      },
    ],
    [
      'ProxyCommand keeps the raw command, tokens expanded, Key=Value form',
      'pve1',
      {},
      { proxyCommand: 'nsenter --net=/run/netns/lab nc pve1 2200', port: 2200, user: 'fallback' },
    ],
    [
      'a host nothing specific matches',
      'other',
      {},
      { hostName: 'other', user: 'fallback', port: 22, identityFiles: ['/home/op/.ssh/id_fleet'] },
    ],
  ];
  it.each(cases)('%s', (_label, name, extra, want) => {
    expect(resolve(config, name, extra)).toMatchObject(want);
  });

  it('defaults to the local user, port 22, the name itself', () => {
    expect(resolve('', 'x')).toEqual({ hostName: 'x', user: 'op', port: 22, identityFiles: [] });
  });

  it('ProxyJump none and ProxyCommand none disable them', () => {
    const r = resolve('Host a\n  ProxyJump none\n  ProxyCommand none\nHost *\n  ProxyJump b\n', 'a');
    expect(r.proxyJump).toBeUndefined();
    expect(r.proxyCommand).toBeUndefined();
  });

  it('handles quoted arguments', () => {
    expect(resolve('Host a\n  IdentityFile "/keys/with space"\n', 'a').identityFiles).toEqual(['/keys/with space']);
  });

  it.each([
    ['Port ssh', /expected an integer 1-65535/],
    ['Port 70000', /expected an integer 1-65535/],
    ['ConnectTimeout soon', /expected an integer/],
  ])('rejects %s with file and line', (line, message) => {
    const err = (() => {
      try {
        resolveHostConfig(parseSshConfig(`\nHost *\n  ${line}\n`, { file: '/cfg' }), 'a', ctx);
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).issues[0]?.location).toEqual({ file: '/cfg', line: 3, column: 1 });
    expect((err as Error).message).toMatch(message);
  });
});

describe('Include', () => {
  const home = mkdtempSync(join(tmpdir(), 'ober-sshcfg-'));
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('reads included files relative to ~/.ssh, with wildcards, in sorted order, under the enclosing Host', () => {
    mkdirSync(join(home, '.ssh', 'conf.d'), { recursive: true });
    writeFileSync(join(home, '.ssh', 'conf.d', '20-b.conf'), 'Host lb*\n  User from-b\n');
    writeFileSync(join(home, '.ssh', 'conf.d', '10-a.conf'), 'Host lb*\n  Port 2001\n  User from-a\n');
    writeFileSync(join(home, '.ssh', 'scoped'), 'User scoped-user\n');
    writeFileSync(
      join(home, '.ssh', 'config'),
      'Include conf.d/*.conf\nHost pve1\n  Include scoped\nHost *\n  User last\nInclude ~/.ssh/missing-is-fine\n',
    );
    const cfg = loadSshConfig(undefined, home);
    expect(resolveHostConfig(cfg, 'lb01', { homeDir: home, localUser: 'op' })).toMatchObject({
      user: 'from-a',
      port: 2001,
    });
    expect(resolveHostConfig(cfg, 'pve1', { homeDir: home, localUser: 'op' }).user).toBe('scoped-user');
    expect(resolveHostConfig(cfg, 'other', { homeDir: home, localUser: 'op' }).user).toBe('last');
  });

  it('a missing config file is an empty config', () => {
    expect(loadSshConfig(join(home, 'nope'), home)).toEqual({ entries: [] });
  });
});
