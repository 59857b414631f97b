// Strict host key checking against a real sshd: changed, unknown, accept-new, hashed entries, revoked, CA.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectError, HostKeyError } from '../../../src/core/errors.js';
import { hashHostName } from '../../../src/transport/known-hosts.js';
import { ConnectionPool } from '../../../src/transport/pool.js';
import { SshTransport } from '../../../src/transport/ssh-transport.js';
import { isolatedSshEnvironment } from '../../support/ssh-env.js';
import { startSshd, type Sshd } from '../../support/sshd.js';

describe('host key checking', () => {
  let sshd: Sshd;
  let dir: string;
  const environment = isolatedSshEnvironment();
  let otherKey: string; // "ssh-ed25519 AAAA…" of a key the server does not have
  let otherFingerprint: string;

  beforeAll(async () => {
    sshd = await startSshd();
    dir = mkdtempSync(join(tmpdir(), 'ober-kh-'));
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'other')]);
    otherKey = readFileSync(join(dir, 'other.pub'), 'utf8').split(' ').slice(0, 2).join(' ');
    otherFingerprint =
      execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', join(dir, 'other.pub')], { encoding: 'utf8' }).split(
        ' ',
      )[1] ?? '';
  });
  afterAll(async () => {
    await sshd?.stop();
    rmSync(dir, { recursive: true, force: true });
    environment.cleanup();
  });

  const transport = (knownHostsFile: string, acceptNewHostKeys = false, host = 'lb01'): SshTransport =>
    new SshTransport(
      {
        host,
        address: sshd.host,
        port: sshd.port,
        user: 'root',
        identityFile: sshd.clientKeyPath,
        knownHostsFile,
        acceptNewHostKeys,
        sshConfigFile: null,
      },
      { environment },
    );
  const file = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const name = (): string => `[127.0.0.1]:${sshd.port}`;
  const run = async (t: SshTransport): Promise<unknown> => {
    try {
      return (await t.exec('echo ok')).stdout;
    } catch (err) {
      return err;
    } finally {
      await t.close();
    }
  };

  it('refuses a changed key, showing both fingerprints in OpenSSH form, even with acceptNewHostKeys', async () => {
    const kh = file('changed', `${name()} ${otherKey}\n`);
    for (const acceptNew of [false, true]) {
      const err = await run(transport(kh, acceptNew));
      expect(err).toBeInstanceOf(HostKeyError);
      const e = err as HostKeyError;
      expect(e.host).toBe('lb01');
      expect(e.expected).toEqual([otherFingerprint]);
      expect(e.presented).toBe(sshd.hostKeyFingerprints[0]);
      expect(e.message).toContain(otherFingerprint);
      expect(e.message).toContain(sshd.hostKeyFingerprints[0]);
      expect(e.message).toMatch(/CHANGED/);
    }
    expect(readFileSync(kh, 'utf8')).toBe(`${name()} ${otherKey}\n`);
  });

  it('refuses an unknown key, pointing at --accept-new-host-keys and ssh-keyscan', async () => {
    const kh = file('empty', '# nothing yet\nother.example ' + otherKey + '\n');
    const err = await run(transport(kh));
    expect(err).toBeInstanceOf(HostKeyError);
    expect((err as Error).message).toMatch(/--accept-new-host-keys/);
    expect((err as Error).message).toMatch(/ssh-keyscan -p \d+ 127\.0\.0\.1/);
  });

  it('records an unknown key with acceptNewHostKeys, then passes strictly', async () => {
    const kh = join(dir, 'sub', 'known_hosts'); // the directory does not exist yet
    expect(await run(transport(kh, true))).toBe('ok\n');
    const recorded = readFileSync(kh, 'utf8');
    expect(recorded).toBe(`${name()} ${sshd.hostPublicKeys[0]}\n`);
    expect(await run(transport(kh, false))).toBe('ok\n');
    expect(readFileSync(kh, 'utf8')).toBe(recorded);
  });

  it('accepts hashed entries and records new keys hashed in a hashed file', async () => {
    const hashedOk = file(
      'hashed',
      `${hashHostName('other.example')} ${otherKey}\n${hashHostName(name())} ${sshd.hostPublicKeys[0]}\n`,
    );
    expect(await run(transport(hashedOk))).toBe('ok\n');

    const hashedOther = file('hashed-new', `${hashHostName('other.example')} ${otherKey}\n`);
    expect(await run(transport(hashedOther, true))).toBe('ok\n');
    const lines = readFileSync(hashedOther, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^\|1\|[A-Za-z0-9+/=]+\|[A-Za-z0-9+/=]+ ssh-ed25519 /);
    // OpenSSH agrees the new hashed line names this host.
    const found = execFileSync('ssh-keygen', ['-F', name(), '-f', hashedOther], { encoding: 'utf8' });
    expect(found).toContain(sshd.hostPublicKeys[0]?.split(' ')[1]);
    expect(await run(transport(hashedOther))).toBe('ok\n');
  });

  it('verifies a host whose known_hosts line is its RSA key only (asks for known key types first)', async () => {
    const kh = file('rsa-only', `${name()} ${sshd.hostPublicKeys[1]}\n`);
    expect(await run(transport(kh))).toBe('ok\n');
  });

  it('refuses a @revoked key', async () => {
    const kh = file('revoked', `@revoked * ${sshd.hostPublicKeys[0]}\n${name()} ${sshd.hostPublicKeys[0]}\n`);
    const err = await run(transport(kh, true));
    expect(err).toBeInstanceOf(HostKeyError);
    expect((err as Error).message).toMatch(/revoked/);
  });

  it('fails clearly on a @cert-authority entry instead of ignoring it', async () => {
    const kh = file('ca', `@cert-authority *.example,127.0.0.1,[127.0.0.1]:* ${otherKey}\n`);
    const err = await run(transport(kh, true));
    expect(err).toBeInstanceOf(HostKeyError);
    expect((err as Error).message).toMatch(/host certificates are not supported; add the host key/);
  });

  it('serializes concurrent appends: many hosts accepting at once leave one whole line each', async () => {
    const kh = join(dir, 'concurrent');
    const hosts = Array.from({ length: 12 }, (_, i) => `lb${String(i).padStart(2, '0')}`);
    // One sshd, but a HostKeyAlias per host, so each host records its own known_hosts name.
    const config = file(
      'ssh_config',
      `Host lb*\n  HostName 127.0.0.1\n${hosts.map((h) => `Host ${h}\n  HostKeyAlias ${h}.alias\n`).join('')}`,
    );
    const pool = new ConnectionPool({ environment });
    const spec = (h: string) => ({
      host: h,
      port: sshd.port,
      user: 'root',
      identityFile: sshd.clientKeyPath,
      knownHostsFile: kh,
      acceptNewHostKeys: true,
      sshConfigFile: config,
    });
    const results = await Promise.all(hosts.map((h) => pool.get(spec(h)).exec('echo ok')));
    await pool.closeAll();
    expect(results.map((r) => r.stdout)).toEqual(hosts.map(() => 'ok\n'));
    const lines = readFileSync(kh, 'utf8')
      .split('\n')
      .filter((l) => l !== '');
    expect(lines.sort()).toEqual(hosts.map((h) => `${h}.alias ${sshd.hostPublicKeys[0]}`).sort());
    // Same name from two transports at once: recorded once.
    const kh2 = join(dir, 'concurrent-same');
    const pool2 = new ConnectionPool({ environment });
    const plain = (h: string) => ({
      host: h,
      address: sshd.host,
      port: sshd.port,
      user: 'root',
      identityFile: sshd.clientKeyPath,
      knownHostsFile: kh2,
      acceptNewHostKeys: true,
      sshConfigFile: null,
    });
    await Promise.all(['a', 'b', 'c', 'd'].map((h) => pool2.get(plain(h)).exec('true')));
    await pool2.closeAll();
    expect(readFileSync(kh2, 'utf8')).toBe(`${name()} ${sshd.hostPublicKeys[0]}\n`);
  });

  it('a port with nothing listening fails fast with ConnectError', async () => {
    const closed = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const address = s.address();
        s.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    const t = new SshTransport(
      {
        host: 'dead',
        address: '127.0.0.1',
        port: closed,
        user: 'root',
        identityFile: sshd.clientKeyPath,
        knownHostsFile: sshd.knownHostsPath,
        sshConfigFile: null,
      },
      { environment },
    );
    const started = Date.now();
    const err = await run(t);
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).host).toBe('dead');
    expect((err as Error).message).toMatch(/ECONNREFUSED/);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
