// The harness itself, checked with the real OpenSSH client (strict host key checking, key auth only).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSshd, type Sshd } from '../../support/sshd.js';

const run = promisify(execFile);

describe('startSshd', () => {
  let sshd: Sshd;
  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  it('accepts the client key for root with strict host key checking', async () => {
    const { stdout } = await run('ssh', [
      '-p',
      String(sshd.port),
      '-i',
      sshd.clientKeyPath,
      '-F',
      '/dev/null',
      '-o',
      `UserKnownHostsFile=${sshd.knownHostsPath}`,
      '-o',
      'StrictHostKeyChecking=yes',
      '-o',
      'BatchMode=yes',
      'root@127.0.0.1',
      'id -un',
    ]);
    expect(stdout.trim()).toBe('root');
    expect(sshd.hostKeyFingerprints).toHaveLength(2);
    expect(sshd.hostKeyFingerprints[0]).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  it('stop() closes the port and removes the temp dir', async () => {
    const other = await startSshd();
    await other.stop();
    expect(existsSync(other.dir)).toBe(false);
    await expect(
      run('ssh', [
        '-p',
        String(other.port),
        '-F',
        '/dev/null',
        '-o',
        'BatchMode=yes',
        '-o',
        'ConnectTimeout=5',
        'root@127.0.0.1',
        'true',
      ]),
    ).rejects.toThrow(/Connection refused/);
  });
});
