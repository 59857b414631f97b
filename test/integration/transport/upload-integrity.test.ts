// Every byte lands as written: uploads of seeded random contents through a real sshd (both the persistent
// shell's path up to SHELL_STDIN_MAX and the channel of its own above it) arrive byte-exact, and a link cut
// at a random offset during an upload leaves the live file byte-identical to the old one or the new one.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectError, TaskError } from '../../../src/core/errors.js';
import { applyOps, putScriptExpecting, type ApplyTarget } from '../../../src/engine/apply-ops.js';
import { BYTES_MISMATCH, expectedBytes, stagedStdinCommand } from '../../../src/engine/verified-bytes.js';
import { SHELL_STDIN_MAX } from '../../../src/transport/shell-session.js';
import { SshTransport } from '../../../src/transport/ssh-transport.js';
import { startCutRelay } from '../../support/cut-relay.js';
import { CONTENT_KINDS, randomContent, seededRandom } from '../../support/random-content.js';
import { isolatedSshEnvironment } from '../../support/ssh-env.js';
import { startSshd, type Sshd } from '../../support/sshd.js';
import { sh } from '../../../src/core/shell.js';

const FUZZ_CASES = 300;
const CUT_SIZES = [0, 1024, 60 * 1024, SHELL_STDIN_MAX + 1, 300 * 1024, 1024 * 1024];
const CUTS_PER_SIZE = 12;

/** Sizes of case i: cycles through empty, tiny, small, around the shell/channel switch, and up to 1 MiB. */
function fuzzSize(rand: () => number, i: number): number {
  switch (i % 5) {
    case 0:
      return i % 10 === 0 ? 0 : 1 + Math.floor(rand() * 64);
    case 1:
      return 65 + Math.floor(rand() * 4032);
    case 2:
      return SHELL_STDIN_MAX - 3 + (i % 7);
    case 3:
      return SHELL_STDIN_MAX - 2048 + Math.floor(rand() * 4096);
    default:
      return SHELL_STDIN_MAX + Math.floor(rand() * (1024 * 1024 - SHELL_STDIN_MAX));
  }
}

const temps = (dir: string): string[] => readdirSync(dir).filter((f) => f.startsWith('.ober-push.'));

/** Poll until the host's put script has finished (its temp file gone): observable state, no fixed sleep. */
async function settled(dir: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (temps(dir).length > 0) {
    if (Date.now() > deadline) throw new Error(`temp files left in ${dir}: ${temps(dir).join(', ')}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('upload integrity through a real sshd', () => {
  let sshd: Sshd;
  let dir: string;
  const environment = isolatedSshEnvironment();
  const opened: SshTransport[] = [];

  beforeAll(async () => {
    sshd = await startSshd();
    dir = mkdtempSync(join(tmpdir(), 'ober-upload-'));
  });
  afterAll(async () => {
    await Promise.all(opened.map((t) => t.close()));
    await sshd?.stop();
    environment.cleanup();
  });

  const transport = (port: number, knownHostsFile: string): SshTransport => {
    const t = new SshTransport(
      {
        host: 'lb01',
        address: sshd.host,
        port,
        user: 'root',
        identityFile: sshd.clientKeyPath,
        knownHostsFile,
        sshConfigFile: null,
      },
      { environment },
    );
    opened.push(t);
    return t;
  };
  const targetOf = (t: SshTransport): ApplyTarget => ({
    host: 'lb01',
    run: (c, o) => t.exec(c.text, o),
    vm: async () => null,
  });
  const put = (t: SshTransport, path: string, content: string | Buffer) =>
    applyOps(targetOf(t), [{ kind: 'put', path, content }]);

  it(`lands ${FUZZ_CASES} seeded random contents (0 B to 1 MiB, ${CONTENT_KINDS.length} kinds) byte-exact`, async () => {
    const t = transport(sshd.port, sshd.knownHostsPath);
    const rand = seededRandom(14);
    const cases = Array.from({ length: FUZZ_CASES }, (_, i) => {
      const kind = CONTENT_KINDS[i % CONTENT_KINDS.length] ?? 'text';
      return { path: join(dir, `fuzz-${i}`), kind, content: randomContent(rand, kind, fuzzSize(rand, i)) };
    });
    const sizes = cases.map((c) => c.content.length);
    expect(Math.min(...sizes)).toBe(0);
    expect(sizes.filter((s) => s <= SHELL_STDIN_MAX).length).toBeGreaterThan(100);
    expect(sizes.filter((s) => s > SHELL_STDIN_MAX).length).toBeGreaterThan(100);
    expect(cases.filter((c) => c.content[0] === 0x2d).length).toBeGreaterThan(50);
    const limit = pLimit(4);
    await Promise.all(cases.map((c) => limit(() => put(t, c.path, c.content))));
    for (const c of cases)
      expect(readFileSync(c.path).equals(c.content), `${c.kind}, ${c.content.length} B`).toBe(true);
    expect(temps(dir)).toEqual([]);
  });

  it('lands a real PEM certificate and key (they start with "-") byte-exact, given as text', async () => {
    const key = join(dir, 'gen.key');
    const cert = join(dir, 'gen.crt');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '30',
        '-subj',
        '/CN=s3.example.test',
      ],
      { stdio: 'ignore' },
    );
    const pem = readFileSync(cert, 'utf8') + readFileSync(key, 'utf8');
    expect(pem.startsWith('-----BEGIN CERTIFICATE-----')).toBe(true);
    const t = transport(sshd.port, sshd.knownHostsPath);
    await put(t, join(dir, 'x.pem'), pem);
    expect(readFileSync(join(dir, 'x.pem'), 'utf8')).toBe(pem);
    // Over the switch as well: a bundle of many certificates goes through a channel of its own.
    const bundle = pem.repeat(Math.ceil((SHELL_STDIN_MAX + 1) / pem.length));
    await put(t, join(dir, 'bundle.pem'), bundle);
    expect(readFileSync(join(dir, 'bundle.pem'), 'utf8')).toBe(bundle);
  });

  it('refuses to rename a file whose bytes differ from those sent, and removes the temp file', async () => {
    const t = transport(sshd.port, sshd.knownHostsPath);
    const path = join(dir, 'live.cfg');
    writeFileSync(path, 'old\n');
    for (const wrong of [
      { ...expectedBytes('new\n'), size: 5 },
      { ...expectedBytes('new\n'), sha256: expectedBytes('old\n').sha256 },
    ]) {
      const r = await t.exec(putScriptExpecting({ kind: 'put', path, content: 'new\n' }, wrong).text, {
        stdin: 'new\n',
      });
      expect(r.code).toBe(BYTES_MISMATCH);
      expect(r.stderr).toMatch(/ober-push: the upload of .*live\.cfg arrived with (4 of 5 bytes|the wrong SHA-256)/);
      expect(readFileSync(path, 'utf8')).toBe('old\n');
      expect(temps(dir)).toEqual([]);
    }
  });

  it("runs a command's stdin only once all of it arrived", async () => {
    const t = transport(sshd.port, sshd.knownHostsPath);
    const ran = join(dir, 'ran');
    const command = sh`cat > ${ran}`;
    const stdin = `-n ${'%s\\'.repeat(100)}`;
    const wrong = { ...expectedBytes(stdin), size: stdin.length + 1 };
    const refused = await t.exec(stagedStdinCommand(command, wrong).text, { stdin });
    expect(refused.code).toBe(BYTES_MISMATCH);
    expect(existsSync(ran)).toBe(false);
    const r = await applyOps(targetOf(t), [{ kind: 'exec', command: sh`${command}; exit 3`, stdin, okCodes: [3] }]);
    expect(r?.code).toBe(3);
    expect(readFileSync(ran, 'utf8')).toBe(stdin);
  });

  it(`keeps the live file old or new under ${CUT_SIZES.length * CUTS_PER_SIZE} link cuts at random offsets`, async () => {
    const rand = seededRandom(1414);
    const knownHosts = join(dir, 'known_hosts_relay');
    let cutMidUpload = 0;
    for (const size of CUT_SIZES) {
      for (let i = 0; i < CUTS_PER_SIZE; i++) {
        const relay = await startCutRelay(sshd.port);
        writeFileSync(
          knownHosts,
          readFileSync(sshd.knownHostsPath, 'utf8').replaceAll(`]:${sshd.port} `, `]:${relay.port} `),
        );
        const path = join(dir, `cut-${size}-${i}`);
        const old = randomContent(rand, 'random bytes', 1 + Math.floor(rand() * 2048));
        const next = randomContent(rand, 'leading dash', size);
        writeFileSync(path, old);
        const t = transport(relay.port, knownHosts);
        await t.exec('true');
        relay.arm(Math.floor(rand() * (size * 1.05 + 3000)));
        const error = await put(t, path, next).then(
          () => null,
          (e: unknown) => e,
        );
        await settled(dir);
        const live = readFileSync(path);
        expect(live.equals(old) || live.equals(next), `cut ${i} of a ${size} B upload left ${live.length} B`).toBe(
          true,
        );
        if (error !== null) {
          expect(relay.cut).toBe(true);
          expect(error instanceof ConnectError || error instanceof TaskError, String(error)).toBe(true);
          if (live.equals(old)) cutMidUpload++;
        } else {
          expect(live.equals(next)).toBe(true);
        }
        await t.close();
        await relay.close();
      }
    }
    // Most budgets end inside the upload: the test really cut transfers, not only idle links.
    expect(cutMidUpload).toBeGreaterThan((CUT_SIZES.length * CUTS_PER_SIZE) / 2);
  });
});
