// One run of each tool, measured the same way (wall time of the whole process, exit code checked), plus
// the system ssh fan-out used for resets and for the floor.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COUNT_EXECS, OBER_PUSH_BIN, REPO } from './paths.mjs';
import { mustSucceed, runTimed } from './run-timed.mjs';

/** ober-push deploy; with countExecs the exec/connection counts come back as `execs`. */
export async function runOberPush(
  inventory,
  playbook,
  { forks, countExecs = false, measureRss = true, extraArgs = [], timeoutMs = 600_000 } = {},
) {
  const dir = mkdtempSync(join(tmpdir(), 'ober-bench-run-'));
  const countFile = join(dir, 'execs.json');
  const nodeArgs = countExecs ? ['--import', COUNT_EXECS] : [];
  const args = [
    ...nodeArgs,
    OBER_PUSH_BIN,
    'deploy',
    '-i',
    inventory,
    playbook,
    '--reporter',
    'json',
    '--forks',
    String(forks),
    ...extraArgs,
  ];
  const r = await runTimed(process.execPath, args, {
    cwd: REPO,
    measureRss,
    timeoutMs,
    env: countExecs ? { BENCH_EXEC_COUNT_FILE: countFile } : {},
  });
  let execs = null;
  if (countExecs) {
    try {
      execs = JSON.parse(readFileSync(countFile, 'utf8'));
    } catch {
      execs = null;
    }
  }
  rmSync(dir, { recursive: true, force: true });
  mustSucceed(r, `ober-push deploy ${playbook}`);
  return { ...r, execs, recap: recapOf(r.stdout) };
}

/** {ok, changed, failed} summed over hosts from the JSON reporter's recap event. */
function recapOf(stdout) {
  const line = stdout
    .trim()
    .split('\n')
    .reverse()
    .find((l) => l.includes('"type":"recap"'));
  if (!line) return null;
  const recap = JSON.parse(line);
  const sum = (k) => recap.hosts.reduce((a, h) => a + (h[k] ?? 0), 0);
  return {
    hosts: recap.hosts.length,
    ok: sum('ok'),
    changed: sum('changed'),
    failed: sum('failed'),
    engineMs: recap.durationMs,
  };
}

export async function runAnsible(ansible, playbook, { timeoutMs = 900_000 } = {}) {
  const r = await runTimed('ansible-playbook', [playbook], {
    cwd: ansible.dir,
    timeoutMs,
    env: { ANSIBLE_CONFIG: ansible.config, ANSIBLE_HOST_KEY_CHECKING: 'True', ANSIBLE_NOCOLOR: '1' },
  });
  mustSucceed(r, `ansible-playbook ${playbook}`);
  return { ...r, recap: ansibleRecap(r.stdout) };
}

function ansibleRecap(stdout) {
  const rows = [...stdout.matchAll(/ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)/g)];
  const sum = (i) => rows.reduce((a, m) => a + Number(m[i]), 0);
  return { hosts: rows.length, ok: sum(1), changed: sum(2), failed: sum(4) };
}

/** `ssh host CMD` to every host at once (system ssh, the lab's ssh_config, no ControlMaster). */
export async function sshFanOut(state, command, { timeoutMs = 300_000 } = {}) {
  const started = process.hrtime.bigint();
  const results = await Promise.all(
    state.hosts.map((h) =>
      runTimed('ssh', ['-F', state.sshConfig, '-o', 'ControlMaster=no', '-o', 'ControlPath=none', h.name, command], {
        timeoutMs,
      }),
    ),
  );
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  results.forEach((r, i) => mustSucceed(r, `ssh ${state.hosts[i].name} ${command.slice(0, 60)}`));
  return { wallMs, results };
}

export function versions() {
  const first = (cmd, args) => {
    const r = spawnSync(cmd, args, { encoding: 'utf8' });
    return `${r.stdout}${r.stderr}`.trim().split('\n')[0] ?? '';
  };
  return {
    node: process.version,
    ansible: first('ansible-playbook', ['--version']),
    openssh: first('ssh', ['-V']),
    sshd: first('dpkg-query', ['-W', '-f=${Version}', 'openssh-server']),
  };
}
