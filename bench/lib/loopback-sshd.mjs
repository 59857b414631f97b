// Real OpenSSH sshd's on 127.0.0.1 for the scale run (plain-ESM cousin of test/support/sshd.ts): one ed25519
// host key and one client key shared by all, MaxStartups/MaxSessions raised so hundreds of connections can
// arrive at once. Dies with this process (setpriv --pdeathsig). Loopback only.
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export async function startLoopbackSshds(count) {
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const dir = mkdtempSync(join(tmpdir(), 'ober-bench-sshd-'));
  const hostKey = join(dir, 'ssh_host_ed25519_key');
  const clientKey = join(dir, 'client_key');
  keygen(hostKey);
  keygen(clientKey);
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(`${clientKey}.pub`));
  writeFileSync(join(dir, 'ssh_config'), '# empty: the scale run must not read ~/.ssh/config\n');
  const hostPub = readFileSync(`${hostKey}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
  const servers = [];
  for (let i = 0; i < count; i++) servers.push(await startOne(dir, hostKey, i));
  writeFileSync(join(dir, 'known_hosts'), servers.map((s) => `[127.0.0.1]:${s.port} ${hostPub}\n`).join(''));
  return {
    dir,
    ports: servers.map((s) => s.port),
    clientKey,
    knownHosts: join(dir, 'known_hosts'),
    sshConfig: join(dir, 'ssh_config'),
    /** Number of sshd processes right now (listeners + per-connection children). */
    processCount: () => servers.reduce((n, s) => n + 1 + descendantCount(s.child.pid), 0),
    stop: async () => {
      for (const s of servers) s.child.kill('SIGKILL');
      await Promise.all(servers.map((s) => s.exited));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function startOne(dir, hostKey, index) {
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const config = join(dir, `sshd_config.${index}`);
    writeFileSync(
      config,
      [
        `Port ${port}`,
        'ListenAddress 127.0.0.1',
        `HostKey ${hostKey}`,
        `PidFile ${join(dir, `sshd.${index}.pid`)}`,
        `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
        'PermitRootLogin prohibit-password',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'StrictModes no',
        'UsePAM no',
        'MaxSessions 20',
        'MaxStartups 2000', // hundreds of handshakes at once from one client: no random early drops
        'LoginGraceTime 120',
        'LogLevel ERROR',
        'SetEnv SHLVL=1',
        '',
      ].join('\n'),
    );
    const child = spawn('setpriv', ['--pdeathsig', 'SIGKILL', '--', '/usr/sbin/sshd', '-D', '-e', '-f', config], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let log = '';
    child.stderr.setEncoding('utf8').on('data', (d) => (log += d));
    const exited = new Promise((resolve) => child.on('exit', resolve));
    if (await waitForPort(port, child)) return { port, child, exited, log: () => log };
    child.kill('SIGKILL');
    await exited;
  }
  throw new Error('loopback sshd did not start');
}

function keygen(path) {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'ober-bench', '-f', path], { stdio: 'ignore' });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port, child) {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    const ok = await new Promise((resolve) => {
      const s = connect({ host: '127.0.0.1', port });
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 20)); // poll interval
  }
  return false;
}

function descendantCount(pid) {
  try {
    const out = execFileSync('pgrep', ['-c', '-P', String(pid)], { encoding: 'utf8' });
    return Number(out.trim()) || 0;
  } catch {
    return 0;
  }
}
