// SshTransport's persistent remote shells against a real sshd: that they are used, exact output framing,
// exit codes, isolation between commands, concurrency within the channel budget, and failures.
import { execFileSync } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConnectError, TaskError } from '../../../src/core/errors.js';
import { SHELL_STDIN_MAX } from '../../../src/transport/shell-session.js';
import { SshTransport } from '../../../src/transport/ssh-transport.js';
import { isolatedSshEnvironment } from '../../support/ssh-env.js';
import { startSshd, type Sshd } from '../../support/sshd.js';

/** Stdin just past what the shell takes: the exec gets a channel of its own (the reference for parity). */
const onChannel = (tail = ''): string => `${'x'.repeat(SHELL_STDIN_MAX + 1)}${tail}`;

describe('SshTransport persistent shells', () => {
  let sshd: Sshd;
  const environment = isolatedSshEnvironment();
  const opened: SshTransport[] = [];

  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((t) => t.close()));
  });
  afterAll(async () => {
    await sshd?.stop();
    environment.cleanup();
  });

  const transport = (maxChannels?: number): SshTransport => {
    const t = new SshTransport(
      {
        host: 'lb01',
        address: sshd.host,
        port: sshd.port,
        user: 'root',
        identityFile: sshd.clientKeyPath,
        knownHostsFile: sshd.knownHostsPath,
        sshConfigFile: null,
        ...(maxChannels ? { maxChannels } : {}),
      },
      { environment },
    );
    opened.push(t);
    return t;
  };
  /** Sessions (channels) sshd has started so far, from its log. */
  const sessionsStarted = (): number => (sshd.log().match(/Starting session:/g) ?? []).length;
  /** Sessions open right now: children of the per-connection sshd processes (one per channel). */
  const sessionsOpen = (): number => children(sshd.pid).reduce((n, connection) => n + children(connection).length, 0);
  const ppid = async (t: SshTransport): Promise<string> => (await t.exec('echo $PPID')).stdout.trim();

  it('runs sequential commands in one long-lived sh on one channel', async () => {
    const t = transport();
    const before = sessionsStarted();
    const first = await ppid(t);
    for (let i = 0; i < 10; i++) expect((await t.exec(`echo ${i}`)).stdout).toBe(`${i}\n`);
    expect(await ppid(t)).toBe(first);
    expect(execFileSync('ps', ['-o', 'comm=', '-p', first], { encoding: 'utf8' }).trim()).toBe('sh');
    // Twelve execs, one session: sshd forked one shell, not one per command.
    expect(sessionsStarted() - before).toBe(1);
    // Small stdin goes through the shell too; stdin past SHELL_STDIN_MAX gets a channel (and a login shell) of its own.
    expect((await t.exec('cat', { stdin: 'in' })).stdout).toBe('in');
    expect(sessionsStarted() - before).toBe(1);
    const viaChannel = (await t.exec('cat >/dev/null; echo $PPID', { stdin: onChannel() })).stdout.trim();
    expect(viaChannel).not.toBe(first);
    expect(sessionsStarted() - before).toBe(2);
  });

  it('gives the same results as a channel of its own: login shell, $0, environment, fds, errors', async () => {
    const t = transport();
    const commands = [
      'echo "$0 $-"; env | grep -v ^_= | sort; pwd; umask; ulimit -n; trap; ls /proc/self/fd | tr "\\n" " "',
      'grep -E "^Sig(Blk|Ign|Cgt)" /proc/self/status',
      'nosuch-command',
      'echo "(" ; if',
      'printf x; printf y >&2; exit 7',
      'cat; echo done',
      'sh -c "kill -TERM \\$\\$"; echo "after $?"',
    ];
    for (const command of commands) {
      // Each reads its stdin away first: the same command in a shell (EOF, or small stdin) and on a channel.
      const reading = `cat >/dev/null; ${command}`;
      const channel = await t.exec(reading, { stdin: onChannel() });
      expect(await t.exec(reading)).toEqual(channel);
      expect(await t.exec(reading, { stdin: 'small' })).toEqual(channel);
    }
    expect((await t.exec('echo $0')).stdout).toBe('bash\n');
    expect((await t.exec('nosuch-command')).stderr).toBe('bash: line 1: nosuch-command: command not found\n');
  });

  it('returns stdout and stderr separately and exactly: no added newline, marker look-alikes kept', async () => {
    const t = transport();
    expect(await t.exec('printf out; printf err >&2')).toEqual({ code: 0, stdout: 'out', stderr: 'err' });
    expect(await t.exec('true')).toEqual({ code: 0, stdout: '', stderr: '' });
    const lookalike = '__ober_push_ __ober_push_0123456789abcdef0123456789abcdef__ 0\n__ober_push_';
    const r = await t.exec(`printf '%s' '${lookalike}'; printf '%s\\n' '${lookalike}' >&2`);
    expect(r).toEqual({ code: 0, stdout: lookalike, stderr: `${lookalike}\n` });
    expect((await t.exec('printf "\\n\\n"')).stdout).toBe('\n\n');
  });

  it('returns more than 1 MB on stdout and stderr at once, multi-byte UTF-8 intact', async () => {
    const t = transport();
    const r = await t.exec('yes üñï | head -n 200000; yes err | head -n 300000 >&2 & wait; printf END');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${'üñï\n'.repeat(200_000)}END`);
    expect(Buffer.byteLength(r.stdout)).toBe(1_400_003);
    expect(r.stderr).toBe('err\n'.repeat(300_000));
    expect((await t.exec('echo next')).stdout).toBe('next\n');
  });

  it('reports exit codes, and a signal-killed command as 128+n with a line saying so', async () => {
    const t = transport();
    expect((await t.exec('true')).code).toBe(0);
    expect((await t.exec('false')).code).toBe(1);
    expect(await t.exec('echo out; echo err >&2; exit 3')).toEqual({ code: 3, stdout: 'out\n', stderr: 'err\n' });
    expect((await t.exec('exit 7')).code).toBe(7);
    const killed = await t.exec('echo before >&2; kill -KILL $$');
    expect(killed.code).toBe(137);
    expect(killed.stderr).toMatch(/^before\ncommand killed by signal SIGKILL/);
    expect((await t.exec('sh -c "kill -TERM \\$\\$"')).code).toBe(143);
  });

  it('passes small stdin through the shell byte for byte: controls, NUL, %, backslashes, non-ASCII, no added newline', async () => {
    const t = transport();
    const shell = await ppid(t);
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const text = "100% \\n \\101 'quoted' $HOME `x` ünïcødé\r\n\tend";
    for (const input of [all, Buffer.from(text), Buffer.alloc(0), Buffer.alloc(SHELL_STDIN_MAX, 0x25)]) {
      const r = await t.exec('od -An -v -tx1 | tr -d " \\n"', { stdin: input });
      expect(r).toEqual({ code: 0, stdout: input.toString('hex'), stderr: '' });
    }
    expect((await t.exec('cat', { stdin: text })).stdout).toBe(text);
    expect(await ppid(t)).toBe(shell);
  });

  it('gives a command EOF on stdin, and the shell keeps its control stream', async () => {
    const t = transport();
    const shell = await ppid(t);
    expect((await t.exec('cat; echo done')).stdout).toBe('done\n');
    expect((await t.exec('read line; echo "read=$? line=$line"')).stdout).toBe('read=1 line=\n');
    expect((await t.exec('head -c 100 | wc -c')).stdout.trim()).toBe('0');
    expect(await ppid(t)).toBe(shell);
  });

  it('does not carry cd, variables, set -e, functions or exit from one command to the next', async () => {
    const t = transport();
    const shell = await ppid(t);
    const home = (await t.exec('pwd')).stdout;
    await t.exec('cd /tmp; export X=1; Y=2; set -e; f() { echo f; }; umask 077');
    const r = await t.exec(
      'pwd; echo "X=${X-unset} Y=${Y-unset}"; f 2>/dev/null || echo no-f; false; echo after; umask',
    );
    expect(r.stdout).toBe(`${home}X=unset Y=unset\nno-f\nafter\n${(await t.exec('umask')).stdout}`);
    expect(r.stdout).not.toMatch(/0077/);
    expect((await t.exec('exit 5')).code).toBe(5);
    expect((await t.exec('exec true')).code).toBe(0);
    expect(await ppid(t)).toBe(shell);
  });

  it('runs 20 concurrent execs correctly in at most 4 shells', async () => {
    const t = transport();
    const before = sessionsStarted();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        t.exec(`sleep 0.05; echo out${i}; echo err${i} >&2; echo "$PPID" >&2; exit ${i % 5}`),
      ),
    );
    const shells = new Set<string>();
    results.forEach((r, i) => {
      expect(r.code).toBe(i % 5);
      expect(r.stdout).toBe(`out${i}\n`);
      const [err, parent] = r.stderr.split('\n');
      expect(err).toBe(`err${i}`);
      shells.add(parent ?? '');
    });
    expect(shells.size).toBeGreaterThan(1);
    expect(shells.size).toBeLessThanOrEqual(4);
    expect(sessionsStarted() - before).toBe(shells.size);
  });

  it('keeps shells and stdin channels within maxChannels together', async () => {
    const t = transport(6);
    // 12 plain execs and 8 with stdin, all at once: 4 shells and 2 channels run, the rest wait.
    const all = Promise.all([
      ...Array.from({ length: 12 }, (_, i) => t.exec(`sleep 1; echo ${i}`)),
      ...Array.from({ length: 8 }, (_, i) => t.exec(`tail -c 3; sleep 1`, { stdin: onChannel(`in${i}`) })),
    ]);
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, sessionsOpen())), 50);
    const results = await all.finally(() => clearInterval(sampler));
    results.slice(0, 12).forEach((r, i) => expect(r.stdout).toBe(`${i}\n`));
    results.slice(12).forEach((r, i) => expect(r.stdout).toBe(`in${i}`));
    expect(peak).toBeGreaterThan(4);
    expect(peak).toBeLessThanOrEqual(6);
    // Afterwards only the idle shells stay open.
    await waitFor(() => sessionsOpen() <= 4);
  });

  it('fails a command that kills its own shell with a ConnectError naming the host; the next exec gets a new shell', async () => {
    const t = transport();
    const shell = await ppid(t);
    const started = Date.now();
    const err = await t.exec('echo bye; kill -KILL $PPID; sleep 0.2').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).host).toBe('lb01');
    expect((err as Error).message).toMatch(
      /^lb01: the remote shell ended while running the command \(signal SIGKILL\)/,
    );
    expect(Date.now() - started).toBeLessThan(3000);
    const next = await ppid(t);
    expect(next).not.toBe(shell);
    expect((await t.exec('echo fine')).stdout).toBe('fine\n');
  });

  it('fails promptly when the shell dies but a process it started keeps the channel open', async () => {
    const t = transport();
    const started = Date.now();
    const err = await t.exec('sleep 5 & kill -KILL $PPID; wait').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectError);
    expect(Date.now() - started).toBeLessThan(3000);
    expect((await t.exec('echo fine')).stdout).toBe('fine\n');
  });

  it('keeps output of a background process out of later commands', async () => {
    const t = transport();
    const first = await t.exec('(sleep 0.3; echo late; echo late >&2) & echo now');
    expect(first.stdout).toBe('now\n');
    await new Promise((r) => setTimeout(r, 700));
    expect(await t.exec('echo next')).toEqual({ code: 0, stdout: 'next\n', stderr: '' });
  });

  it('fails a command past timeoutMs with TaskError, promptly, in a shell (with or without stdin) or on a channel; later execs work', async () => {
    const t = transport();
    const shell = await ppid(t);
    for (const options of [
      { timeoutMs: 300 },
      { timeoutMs: 300, stdin: 'x' },
      { timeoutMs: 300, stdin: onChannel() },
    ]) {
      const started = Date.now();
      const err = await t.exec('cat >/dev/null; echo started >&2; exec sleep 5', options).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TaskError);
      expect((err as TaskError).message).toMatch(/^lb01: command timed out after 300 ms/);
      expect((err as TaskError).detail).toContain('started');
      expect(Date.now() - started).toBeLessThan(3000);
      expect((await t.exec('echo still here')).stdout).toBe('still here\n');
    }
    // The timed-out shell was discarded; a command within its timeout runs in a shell as usual.
    expect(await ppid(t)).not.toBe(shell);
    expect(await t.exec('echo quick', { timeoutMs: 5000 })).toEqual({ code: 0, stdout: 'quick\n', stderr: '' });
  });

  it('fails in-flight execs with ConnectError when the connection drops, and reconnects for the next', async () => {
    const t = transport();
    expect((await t.exec('echo up')).stdout).toBe('up\n');
    const connections = children(sshd.pid);
    const pending = [
      t.exec('sleep 3'),
      t.exec('sleep 3'),
      t.exec('cat >/dev/null; sleep 3', { stdin: onChannel() }),
    ].map((p) => p.catch((e: unknown) => e));
    await waitFor(() => connections.some((c) => children(c).length >= 3));
    const mine = connections.filter((c) => children(c).length >= 3);
    mine.forEach((c) => process.kill(c, 'SIGKILL'));
    for (const err of await Promise.all(pending)) {
      expect(err).toBeInstanceOf(ConnectError);
      expect((err as Error).message).toMatch(/^lb01: connection to root@127\.0\.0\.1:\d+ lost/);
    }
    const logins = (sshd.log().match(/Accepted publickey/g) ?? []).length;
    expect((await t.exec('echo again')).stdout).toBe('again\n');
    expect((sshd.log().match(/Accepted publickey/g) ?? []).length).toBe(logins + 1);
  });

  it('close() ends the shells', async () => {
    const t = transport();
    await Promise.all([t.exec('sleep 0.2'), t.exec('sleep 0.2')]);
    expect(sessionsOpen()).toBeGreaterThanOrEqual(2);
    await t.close();
    await waitFor(() => sessionsOpen() === 0);
    await expect(t.exec('true')).rejects.toThrow(/lb01: transport closed/);
  });
});

/** PIDs of a process's children. */
function children(pid: number): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return []; // pgrep exits 1 when there are none
  }
}

async function waitFor(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
