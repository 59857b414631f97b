// `down` leaves nothing behind: a second, one-host lab with its own prefix and state directory is brought
// up next to the main one and torn down; then no process, namespace, cgroup, mount or directory remains.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LAB_DIR, execOnHost, labSkipReason, labState, runLab } from './harness.js';

const PREFIX = 'oberlabt-';
const STATE = `${LAB_DIR}.state-down-test`;
const env = { LAB_PREFIX: PREFIX, LAB_STATE: STATE };

function namespaces(prefix: string): string[] {
  const out = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout;
  return out
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => n.startsWith(prefix));
}

function cgroups(prefix: string): string[] {
  return readdirSync('/sys/fs/cgroup').flatMap((h) => {
    try {
      return readdirSync(`/sys/fs/cgroup/${h}`)
        .filter((d) => d.startsWith(prefix))
        .map((d) => `${h}/${d}`);
    } catch {
      return [];
    }
  });
}

function alive(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ')[2] !== 'Z';
  } catch {
    return false;
  }
}

describe.skipIf(labSkipReason())('lab down', () => {
  it('removes every process, namespace, cgroup, mount and directory of a lab, and only of that lab', async () => {
    const up = runLab(['up', '--hosts', '1'], env);
    expect(up.code, up.stderr).toBe(0);
    const second = labState(STATE);
    const pids = [
      second.router.birdPid,
      second.backend.httpPid,
      second.backend.aptPid,
      ...second.hosts.flatMap((h) => [h.nspawnPid, h.pid1]),
    ];
    expect(pids.every(alive)).toBe(true);
    expect(namespaces(PREFIX).sort()).toEqual([
      `${PREFIX}backend`,
      `${PREFIX}client`,
      `${PREFIX}frr`,
      `${PREFIX}lb01`,
      `${PREFIX}router`,
    ]);
    expect(cgroups(PREFIX).length).toBeGreaterThan(0);

    const down = runLab(['down'], env);
    expect(down.code, down.stderr).toBe(0);
    expect(pids.filter(alive)).toEqual([]);
    expect(namespaces(PREFIX)).toEqual([]);
    expect(cgroups(PREFIX)).toEqual([]);
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(STATE);
    expect(existsSync(STATE)).toBe(false);

    // The main lab is untouched.
    for (const host of labState().hosts) {
      const r = await execOnHost(host.name, 'systemctl is-system-running');
      expect(['running', 'degraded']).toContain(r.stdout.trim());
    }
    expect(runLab(['status']).code).toBe(0);
  });
});
