// `loop`: one module invocation per item, per-item `when`, register with `results`, one report per task.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../support/cli.js';

function setup(): { inventory: string; playbook: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'ober-loop-'));
  const inventory = join(dir, 'inventory.yml');
  writeFileSync(
    inventory,
    `hosts:\n  here: { vars: { connection: local, out: ${JSON.stringify(dir)}, lists: [alpha, beta, gamma] } }\n`,
  );
  const playbook = join(dir, 'playbook.yml');
  writeFileSync(
    playbook,
    `- hosts: here
  gather_facts: false
  tasks:
    - name: one file per list
      copy: { dest: "{{ out }}/{{ item }}.lst", content: "{{ item }} #{{ loop_index }}\\n" }
      loop: "{{ lists }}"
      when: item != 'beta'
      register: written
    - name: the loop registered one result per item that ran
      assert:
        that: ["written.results[1] is defined", "written.results[2] is not defined"]
        msg: "expected two results"
`,
  );
  return { inventory, playbook, dir };
}

describe('loop', () => {
  it('runs once per item, honours per-item when, registers results, and converges', async () => {
    const { inventory, playbook, dir } = setup();
    const first = await runCli(['deploy', '-i', inventory, playbook, '--reporter', 'plain']);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(readFileSync(join(dir, 'alpha.lst'), 'utf8')).toBe('alpha #0\n');
    expect(readFileSync(join(dir, 'gamma.lst'), 'utf8')).toBe('gamma #2\n');
    expect(existsSync(join(dir, 'beta.lst'))).toBe(false);
    expect(first.stdout).toMatch(/here \| changed \| one file per list/);

    const again = await runCli(['deploy', '-i', inventory, playbook, '--reporter', 'plain', '--verify']);
    expect(again.code, again.stdout).toBe(0);
    expect(again.stdout).not.toMatch(/one file per list/); // ok tasks without changes are quiet
  });

  it('a loop that is not a list fails the task with a clear message', async () => {
    const { inventory, dir } = setup();
    const playbook = join(dir, 'bad.yml');
    writeFileSync(
      playbook,
      `- hosts: here\n  gather_facts: false\n  tasks:\n    - name: bad loop\n      command: { cmd: "true" }\n      loop: "{{ out }}"\n`,
    );
    const result = await runCli(['deploy', '-i', inventory, playbook, '--reporter', 'plain']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('loop of task "bad loop" must be a list, got string');
  });
});
