import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/core/errors.js';
import { planAuth } from '../../../src/transport/auth.js';
import { parseHop, resolveEndpoint, type SshEnvironment } from '../../../src/transport/endpoint.js';

const home = mkdtempSync(join(tmpdir(), 'ober-ep-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));
const env = (vars: Record<string, string> = {}): SshEnvironment => ({ env: vars, homeDir: home, localUser: 'op' });
const cfgFile = (text: string): string => {
  const path = join(home, `cfg-${Math.random().toString(36).slice(2)}`);
  writeFileSync(path, text);
  return path;
};

describe('parseHop', () => {
  it.each([
    ['bastion', { host: 'bastion', user: undefined, port: undefined }],
    ['ops@bastion:2222', { host: 'bastion', user: 'ops', port: 2222 }],
    ['[2001:db8::1]:22', { host: '2001:db8::1', user: undefined, port: 22 }],
    ['u@[::1]', { host: '::1', user: 'u', port: undefined }],
  ])('%s', (text, want) => {
    expect(parseHop(text)).toEqual(want);
  });
  it.each(['a:99999', 'a:b:c', ''])('rejects %j', (text) => {
    expect(() => parseHop(text)).toThrow(ConfigError);
  });
});

describe('resolveEndpoint', () => {
  it('defaults: 10 s connect timeout, 15 s keepalive, ~/.ssh/known_hosts then the global file, strict', () => {
    const ep = resolveEndpoint({ host: 'lb01', sshConfigFile: null }, env());
    expect(ep).toMatchObject({
      hostName: 'lb01',
      port: 22,
      user: 'op',
      connectTimeoutMs: 10_000,
      keepaliveIntervalMs: 15_000,
      keepaliveCountMax: 3,
      acceptNew: false,
      knownHostsFiles: [join(home, '.ssh', 'known_hosts'), '/etc/ssh/ssh_known_hosts'],
    });
    expect(ep.agentSocket).toBeUndefined();
    expect(ep.passphrase).toBeUndefined();
  });

  it('the inventory address, port, user and identity file win; ssh_config fills the rest', () => {
    const cfg = cfgFile(
      'Host 10.0.0.*\n  User cfguser\n  Port 2200\n  IdentityFile ~/.ssh/fleet\n  ConnectTimeout 3\n  ServerAliveInterval 5\n',
    );
    const ep = resolveEndpoint(
      { host: 'lb01', address: '10.0.0.11', user: 'root', identityFile: '/keys/inv', sshConfigFile: cfg },
      env(),
    );
    expect(ep).toMatchObject({
      label: 'lb01',
      hostName: '10.0.0.11',
      user: 'root',
      port: 2200,
      identityFiles: ['/keys/inv', join(home, '.ssh', 'fleet')],
      connectTimeoutMs: 3000,
      keepaliveIntervalMs: 5000,
    });
  });

  it.each([
    ['accept-new', true],
    ['no', true],
    ['yes', false],
    ['ask', false],
  ])('StrictHostKeyChecking %s -> acceptNew %s', (value, want) => {
    const ep = resolveEndpoint({ host: 'a', sshConfigFile: cfgFile(`StrictHostKeyChecking ${value}\n`) }, env());
    expect(ep.acceptNew).toBe(want);
  });

  it('reads the agent from SSH_AUTH_SOCK unless IdentityAgent says otherwise; keeps the passphrase secret', () => {
    expect(resolveEndpoint({ host: 'a', sshConfigFile: null }, env({ SSH_AUTH_SOCK: '/s' })).agentSocket).toBe('/s');
    const none = resolveEndpoint(
      { host: 'a', sshConfigFile: cfgFile('IdentityAgent none\n') },
      env({ SSH_AUTH_SOCK: '/s' }),
    );
    expect(none.agentSocket).toBeUndefined();
    const ep = resolveEndpoint({ host: 'a', sshConfigFile: null }, env({ OBER_PUSH_SSH_PASSPHRASE: 'hunter22' }));
    expect(ep.passphrase?.reveal()).toBe('hunter22');
    expect(JSON.stringify(ep)).not.toContain('hunter22');
  });

  it('builds a ProxyJump chain: the last hop is the direct jump, the first uses its own config', () => {
    const cfg = cfgFile(
      'Host lb*\n  ProxyJump ops@bastion1,bastion2:2222\n' +
        'Host bastion1\n  HostName 203.0.113.1\n  ProxyCommand nc %h %p\n' +
        'Host bastion2\n  HostName 10.0.0.2\n  User b2user\n  ProxyJump ignored-in-a-chain\n',
    );
    const ep = resolveEndpoint({ host: 'lb01', identityFile: '/keys/target', sshConfigFile: cfg }, env());
    expect(ep.jump).toMatchObject({
      label: 'jump host bastion2 for lb01',
      hostName: '10.0.0.2',
      port: 2222,
      user: 'b2user',
    });
    expect(ep.jump?.identityFiles).not.toContain('/keys/target');
    expect(ep.jump?.proxyCommand).toBeUndefined();
    expect(ep.jump?.jump).toMatchObject({ hostName: '203.0.113.1', user: 'ops', proxyCommand: 'nc 203.0.113.1 22' });
    expect(ep.jump?.jump?.jump).toBeUndefined();
  });

  it('refuses a ProxyJump loop', () => {
    const cfg = cfgFile('Host *\n  ProxyJump other\n');
    expect(() => resolveEndpoint({ host: 'lb01', sshConfigFile: cfg }, env())).toThrow(/ProxyJump chain longer/);
  });
});

describe('planAuth', () => {
  const ssh = join(home, '.ssh');
  mkdirSync(ssh, { recursive: true });
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(ssh, 'id_ed25519')]);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'pw12345', '-f', join(home, 'enc')]);
  writeFileSync(join(home, 'agent.sock'), '');

  it('offers the agent first, then explicit keys, then defaults; skips missing and encrypted ones with a reason', () => {
    const plan = planAuth({
      user: 'root',
      agentSocket: join(home, 'agent.sock'),
      identityFiles: [join(home, 'enc'), join(home, 'missing'), join(ssh, 'id_ed25519')],
      homeDir: home,
    });
    expect(plan.methods.map((m) => m.type)).toEqual(['agent', 'publickey']); // id_ed25519 once, not twice
    expect(plan.offered).toEqual([`ssh-agent (${join(home, 'agent.sock')})`, `key ${join(ssh, 'id_ed25519')}`]);
    expect(plan.skipped).toEqual([
      `${join(home, 'enc')}: encrypted; set OBER_PUSH_SSH_PASSPHRASE or load it into ssh-agent`,
      `${join(home, 'missing')}: not found`,
    ]);
  });

  it('says when the agent socket is gone', () => {
    const plan = planAuth({ user: 'root', agentSocket: join(home, 'no.sock'), identityFiles: [], homeDir: home });
    expect(plan.skipped[0]).toMatch(/no\.sock does not exist/);
  });
});
