// ProxyJump and ProxyCommand through a real sshd, auth failures and passphrases, and a host dropping mid-run.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectError } from '../../../src/core/errors.js';
import { SHELL_STDIN_MAX } from '../../../src/transport/shell-session.js';
import { ConnectionPool } from '../../../src/transport/pool.js';
import { SshTransport } from '../../../src/transport/ssh-transport.js';
import { isolatedSshEnvironment } from '../../support/ssh-env.js';
import { startSshd, type Sshd } from '../../support/sshd.js';

describe('routes, auth and drops', () => {
  let sshd: Sshd;
  let dir: string;
  const environment = isolatedSshEnvironment();

  beforeAll(async () => {
    sshd = await startSshd();
    dir = mkdtempSync(join(tmpdir(), 'ober-routes-'));
  });
  afterAll(async () => {
    await sshd?.stop();
    rmSync(dir, { recursive: true, force: true });
    environment.cleanup();
  });

  const config = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const known = (): string => {
    // The jump host and the target are the same sshd, reached as [127.0.0.1]:port and [localhost]:port.
    const path = join(dir, 'known_hosts');
    writeFileSync(
      path,
      sshd.hostPublicKeys.map((k) => `[127.0.0.1]:${sshd.port},[localhost]:${sshd.port} ${k}\n`).join(''),
    );
    return path;
  };

  it('connects through a ProxyJump chain (user@host:port, two hops) with its own host key checks', async () => {
    // The jump host has its own Host block (its key), as a bastion would in ~/.ssh/config.
    const cfg = config(
      'jump',
      `Host target\n  HostName localhost\n  Port ${sshd.port}\n  ProxyJump root@127.0.0.1:${sshd.port},root@127.0.0.1:${sshd.port}\n  IdentityFile ${sshd.clientKeyPath}\n` +
        `Host 127.0.0.1\n  IdentityFile ${sshd.clientKeyPath}\n`,
    );
    const t = new SshTransport(
      { host: 'lb01', address: 'target', user: 'root', knownHostsFile: known(), sshConfigFile: cfg },
      { environment },
    );
    const before = (sshd.log().match(/Accepted publickey/g) ?? []).length;
    const r = await t.exec('echo via jump; echo "$SSH_CLIENT"');
    await t.close();
    expect(r.stdout.split('\n')[0]).toBe('via jump');
    // Three logins: two jump hops and the target.
    expect((sshd.log().match(/Accepted publickey/g) ?? []).length - before).toBe(3);
  });

  it('refuses the jump host when its key is unknown, naming the jump host', async () => {
    const kh = join(dir, 'kh-target-only');
    writeFileSync(kh, sshd.hostPublicKeys.map((k) => `[localhost]:${sshd.port} ${k}\n`).join(''));
    const cfg = config(
      'jump2',
      `Host target\n  HostName localhost\n  Port ${sshd.port}\n  ProxyJump 127.0.0.1:${sshd.port}\n\nHost *\n  IdentityFile ${sshd.clientKeyPath}\n`,
    );
    const t = new SshTransport(
      { host: 'lb01', address: 'target', user: 'root', knownHostsFile: kh, sshConfigFile: cfg },
      { environment },
    );
    const err = await t.exec('true').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as Error).message).toMatch(/jump host 127\.0\.0\.1 for lb01/);
    expect((err as Error).message).toMatch(/not in known_hosts/);
  });

  it('connects through a ProxyCommand (nc %h %p)', async () => {
    const cfg = config(
      'proxycmd',
      `Host lb*\n  HostName 127.0.0.1\n  Port ${sshd.port}\n  ProxyCommand nc %h %p\n  IdentityFile ${sshd.clientKeyPath}\n`,
    );
    const t = new SshTransport(
      { host: 'lb02', user: 'root', knownHostsFile: sshd.knownHostsPath, sshConfigFile: cfg },
      { environment },
    );
    const r = await t.exec('head -c 200000 /dev/zero | wc -c');
    await t.close();
    expect(r.stdout.trim()).toBe('200000');
  });

  it('reports what the ProxyCommand said when it fails', async () => {
    const cfg = config(
      'proxybad',
      `Host lb*\n  ProxyCommand echo "no route to %h" >&2; exit 1\n  IdentityFile ${sshd.clientKeyPath}\n`,
    );
    const t = new SshTransport(
      { host: 'lb03', user: 'root', knownHostsFile: sshd.knownHostsPath, sshConfigFile: cfg },
      { environment },
    );
    const err = await t.exec('true').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as Error).message).toContain('no route to lb03');
  });

  it('fails authentication with a ConnectError naming host, user and what was tried, never key material', async () => {
    const stranger = join(dir, 'stranger');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', stranger]);
    const t = new SshTransport(
      {
        host: 'lb04',
        address: sshd.host,
        port: sshd.port,
        user: 'root',
        identityFile: stranger,
        knownHostsFile: sshd.knownHostsPath,
        sshConfigFile: null,
      },
      { environment },
    );
    const err = await t.exec('true').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/root@127\.0\.0\.1:\d+/);
    expect(msg).toMatch(/^lb04 \(root@127\.0\.0\.1:\d+\): authentication failed for user root; tried key /);
    expect(msg).toContain(`key ${stranger}`);
    expect(msg).not.toMatch(/PRIVATE KEY|AAAA/);
  });

  it('uses an encrypted key with OBER_PUSH_SSH_PASSPHRASE, and says why not without it (never the passphrase)', async () => {
    const enc = join(dir, 'encrypted');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'correct horse', '-f', enc]);
    execFileSync('sh', ['-c', `cat ${enc}.pub >> ${join(sshd.dir, 'authorized_keys')}`]);
    const spec = {
      host: 'lb05',
      address: sshd.host,
      port: sshd.port,
      user: 'root',
      identityFile: enc,
      knownHostsFile: sshd.knownHostsPath,
      sshConfigFile: null,
    };

    const withPass = new SshTransport(spec, {
      environment: { ...environment, env: { OBER_PUSH_SSH_PASSPHRASE: 'correct horse' } },
    });
    expect((await withPass.exec('echo ok')).stdout).toBe('ok\n');
    await withPass.close();

    const without = new SshTransport(spec, { environment });
    const err = await without.exec('true').catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/encrypted; set OBER_PUSH_SSH_PASSPHRASE or load it into ssh-agent/);

    const wrong = new SshTransport(spec, {
      environment: { ...environment, env: { OBER_PUSH_SSH_PASSPHRASE: 'wrong battery' } },
    });
    const err2 = await wrong.exec('true').catch((e: unknown) => e);
    expect((err2 as Error).message).toMatch(/does not decrypt it/);
    expect((err2 as Error).message).not.toContain('wrong battery');
  });

  it('authenticates through ssh-agent (SSH_AUTH_SOCK) before identity files', async () => {
    const agentOut = execFileSync('ssh-agent', ['-s', '-a', join(dir, 'agent.sock')], { encoding: 'utf8' });
    const pid = Number(/SSH_AGENT_PID=(\d+)/.exec(agentOut)?.[1]);
    try {
      execFileSync('ssh-add', ['-q', sshd.clientKeyPath], {
        env: { SSH_AUTH_SOCK: join(dir, 'agent.sock') },
        stdio: 'ignore',
      });
      const t = new SshTransport(
        {
          host: 'lb06',
          address: sshd.host,
          port: sshd.port,
          user: 'root',
          knownHostsFile: sshd.knownHostsPath,
          sshConfigFile: null,
        },
        { environment: { ...environment, env: { SSH_AUTH_SOCK: join(dir, 'agent.sock') } } },
      );
      expect((await t.exec('echo agent')).stdout).toBe('agent\n');
      await t.close();
    } finally {
      process.kill(pid, 'SIGTERM');
    }
  });

  it('a host that drops mid-run fails its pending execs with ConnectError; other hosts are unaffected', async () => {
    const doomed = await startSshd();
    try {
      const pool = new ConnectionPool({ environment });
      const spec = (host: string, s: Sshd) => ({
        host,
        address: s.host,
        port: s.port,
        user: 'root',
        identityFile: s.clientKeyPath,
        knownHostsFile: s.knownHostsPath,
        sshConfigFile: null,
      });
      const victim = pool.get(spec('victim', doomed));
      const healthy = pool.get(spec('healthy', sshd));
      await Promise.all([victim.exec('true'), healthy.exec('true')]);

      // 12 execs: 8 running (4 in persistent shells, 4 with stdin on channels of their own), 4 queued behind
      // the channel limit; each prints before it blocks.
      const marker = join(doomed.dir, 'started');
      const command = `cat >/dev/null; echo x >> ${marker}; sleep 30`;
      const onChannel = { stdin: 'x'.repeat(SHELL_STDIN_MAX + 1) }; // past what a shell takes: a channel of its own
      const pending = Array.from({ length: 12 }, (_, i) =>
        victim.exec(command, i % 2 ? onChannel : {}).catch((e: unknown) => e),
      );
      const healthyRun = healthy.exec('sleep 0.5; echo fine');
      await waitFor(
        () => execFileSync('sh', ['-c', `cat ${marker} 2>/dev/null | wc -l`], { encoding: 'utf8' }).trim() === '8',
      );
      const killedAt = Date.now();
      await doomed.stop();

      const errors = await Promise.all(pending);
      expect(Date.now() - killedAt).toBeLessThan(5000);
      for (const e of errors) {
        expect(e).toBeInstanceOf(ConnectError);
        expect((e as ConnectError).host).toBe('victim');
      }
      expect((await healthyRun).stdout).toBe('fine\n');
      expect((await healthy.exec('echo still')).stdout).toBe('still\n');
      await pool.closeAll();
    } finally {
      await doomed.stop();
    }
  });

  it('gives up after connectTimeoutMs on a server that accepts but never speaks SSH', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const address = silent.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      const t = new SshTransport(
        {
          host: 'mute',
          address: '127.0.0.1',
          port,
          user: 'root',
          identityFile: sshd.clientKeyPath,
          knownHostsFile: sshd.knownHostsPath,
          sshConfigFile: null,
          connectTimeoutMs: 400,
        },
        { environment },
      );
      const started = Date.now();
      const err = await t.exec('true').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConnectError);
      expect((err as Error).message).toMatch(/^mute \(root@127\.0\.0\.1:\d+\): no SSH handshake within 400 ms/);
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      sockets.forEach((s) => s.destroy());
      silent.close();
    }
  });

  it('notices a silent drop through keepalives (ServerAliveInterval/CountMax) and fails pending execs', async () => {
    const frozen = await startSshd();
    let frozenPid: number | null = null;
    try {
      const cfg = config('alive', 'Host *\n  ServerAliveCountMax 2\n');
      const t = new SshTransport(
        {
          host: 'silent',
          address: frozen.host,
          port: frozen.port,
          user: 'root',
          identityFile: frozen.clientKeyPath,
          knownHostsFile: frozen.knownHostsPath,
          sshConfigFile: cfg,
          keepaliveIntervalMs: 200,
        },
        { environment },
      );
      expect((await t.exec('echo up')).stdout).toBe('up\n');
      const pending = t.exec('sleep 30').catch((e: unknown) => e);
      // Freeze this connection's sshd process: the TCP connection stays open but nothing answers.
      const children = execFileSync('pgrep', ['-P', String(frozen.pid)], { encoding: 'utf8' })
        .trim()
        .split('\n');
      expect(children).toHaveLength(1);
      frozenPid = Number(children[0]);
      process.kill(frozenPid, 'SIGSTOP');
      const started = Date.now();
      const err = await pending;
      expect(err).toBeInstanceOf(ConnectError);
      expect((err as Error).message).toMatch(/silent: connection to root@127\.0\.0\.1:\d+ lost/);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      if (frozenPid !== null) process.kill(frozenPid, 'SIGCONT');
      await frozen.stop();
    }
  });
});

/** Poll observable state (here: a file the remote commands append to). */
async function waitFor(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
