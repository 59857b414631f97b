// A real OpenSSH sshd on 127.0.0.1 for tests: generated host keys, a client key authorized for root,
// a known_hosts file for it. Works as root in CI (creates /run/sshd, sshd's privilege separation dir).
//
//   const sshd = await startSshd();
//   // OpenSSH: ssh -p sshd.port -i sshd.clientKeyPath -o UserKnownHostsFile=sshd.knownHostsPath root@127.0.0.1
//   // ober-push: new SshTransport({ host: 'lb01', address: sshd.host, port: sshd.port, user: 'root',
//   //   identityFile: sshd.clientKeyPath, knownHostsFile: sshd.knownHostsPath, sshConfigFile: null },
//   //   { environment: isolatedSshEnvironment() })   // from ./ssh-env.ts: no real ~/.ssh, no agent
//   await sshd.stop();
// Sessions get SHLVL=1 so root's ~/.bashrc is not sourced; sshd dies with the test process.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SshdOptions {
  /** sshd's MaxSessions (channels per connection); default 10 as in OpenSSH. */
  maxSessions?: number;
  /** sshd's MaxStartups (start:rate:full); default 100:30:200, so a test's fan-out is never dropped. */
  maxStartups?: string;
  /** Extra sshd_config lines, placed first so they override the defaults (sshd keeps the first value). */
  extraConfig?: string[];
  /** Give up waiting for the port after this long (ms); default 10 000. */
  startTimeoutMs?: number;
}

export interface Sshd {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** PID of the listening sshd; its children are the per-connection processes (e.g. to SIGSTOP one). */
  readonly pid: number;
  /** The temp dir holding keys, config and logs; removed by stop(). */
  readonly dir: string;
  /** Private key (ed25519, no passphrase) authorized for root. */
  readonly clientKeyPath: string;
  /** known_hosts with one `[127.0.0.1]:port` line per host key. */
  readonly knownHostsPath: string;
  /** Host key fingerprints as `ssh-keygen -l -E sha256` prints them: "SHA256:…", ed25519 first. */
  readonly hostKeyFingerprints: string[];
  /** Host public keys as "type base64" (ed25519 first), for writing other known_hosts variants. */
  readonly hostPublicKeys: string[];
  /** sshd's stderr so far (LogLevel VERBOSE), for diagnosing a failing test. */
  log(): string;
  /** Kill sshd and its per-connection children (pending sessions drop), then remove the temp dir. */
  stop(): Promise<void>;
}

const SSHD = '/usr/sbin/sshd';
const HOST_KEY_TYPES = ['ed25519', 'rsa'] as const;

export async function startSshd(options: SshdOptions = {}): Promise<Sshd> {
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const dir = mkdtempSync(join(tmpdir(), 'ober-sshd-'));
  try {
    return await startIn(dir, options);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

async function startIn(dir: string, options: SshdOptions): Promise<Sshd> {
  const hostPublicKeys: string[] = [];
  const hostKeyFingerprints: string[] = [];
  for (const type of HOST_KEY_TYPES) {
    const path = join(dir, `ssh_host_${type}_key`);
    keygen(type, path);
    hostPublicKeys.push(publicKeyOf(`${path}.pub`));
    hostKeyFingerprints.push(fingerprintOf(`${path}.pub`));
  }
  const clientKeyPath = join(dir, 'client_key');
  keygen('ed25519', clientKeyPath);
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(`${clientKeyPath}.pub`));

  const deadline = Date.now() + (options.startTimeoutMs ?? 10_000);
  // The free port is picked before sshd binds it; another process may win the race, so retry.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const configPath = join(dir, 'sshd_config');
    writeFileSync(configPath, sshdConfig(dir, port, options));
    // setpriv --pdeathsig: sshd dies with the test process even if stop() is never called (a crashed worker).
    const child = spawn('setpriv', ['--pdeathsig', 'SIGKILL', '--', SSHD, '-D', '-e', '-f', configPath], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let log = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
    const up = await waitForPort(port, child, deadline);
    if (up) {
      const knownHostsPath = join(dir, 'known_hosts');
      writeFileSync(knownHostsPath, hostPublicKeys.map((k) => `[127.0.0.1]:${port} ${k}\n`).join(''));
      return {
        host: '127.0.0.1',
        port,
        pid: child.pid ?? 0,
        dir,
        clientKeyPath,
        knownHostsPath,
        hostKeyFingerprints,
        hostPublicKeys,
        log: () => log,
        stop: () => stop(child, dir),
      };
    }
    await stop(child, null);
    if (attempt >= 5 || Date.now() > deadline) throw new Error(`sshd did not start on port ${port}:\n${log}`);
  }
}

function sshdConfig(dir: string, port: number, options: SshdOptions): string {
  return [
    ...(options.extraConfig ?? []),
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    ...HOST_KEY_TYPES.map((t) => `HostKey ${join(dir, `ssh_host_${t}_key`)}`),
    `PidFile ${join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    'PermitRootLogin prohibit-password',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'StrictModes no',
    'UsePAM no',
    'AllowTcpForwarding yes',
    `MaxSessions ${options.maxSessions ?? 10}`,
    `MaxStartups ${options.maxStartups ?? '100:30:200'}`, // the last MaxStartups line wins, unlike most keywords
    'LogLevel VERBOSE',
    // Debian's bash sources ~/.bashrc for `ssh host cmd` when SHLVL < 2: keep the machine's root
    // ~/.bashrc (slow or noisy on dev machines) out of test sessions.
    'SetEnv SHLVL=1',
    '',
  ].join('\n');
}

function keygen(type: string, path: string): void {
  execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', 'ober-push-test', '-f', path], { stdio: 'ignore' });
}

function publicKeyOf(pubPath: string): string {
  const [type, base64] = readFileSync(pubPath, 'utf8').trim().split(/\s+/);
  return `${type} ${base64}`;
}

function fingerprintOf(pubPath: string): string {
  const out = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', pubPath], { encoding: 'utf8' });
  const fp = out.split(/\s+/)[1];
  if (!fp?.startsWith('SHA256:')) throw new Error(`unexpected ssh-keygen -l output: ${out}`);
  return fp;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Poll until the port accepts a connection (true) or sshd exits / the deadline passes (false). */
async function waitForPort(port: number, child: ChildProcess, deadline: number): Promise<boolean> {
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    if (await canConnect(port)) return true;
    await new Promise((r) => setTimeout(r, 20)); // poll interval
  }
  return false;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Every process below `pid`, found through /proc (sshd's per-connection children and their commands). */
function descendants(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parentOf.set(Number(name), ppid);
    } catch {
      // the process exited while we looked
    }
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const p = queue.shift() as number;
    for (const [child, parent] of parentOf) {
      if (parent === p) {
        found.push(child);
        queue.push(child);
      }
    }
  }
  return found;
}

async function stop(child: ChildProcess, dir: string | null): Promise<void> {
  if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    for (const pid of [child.pid, ...descendants(child.pid)]) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await exited;
  }
  if (dir !== null) rmSync(dir, { recursive: true, force: true });
}
