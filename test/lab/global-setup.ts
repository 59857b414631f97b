// Brings the lab up once for the lab test project and down at the end (LAB_KEEP=1 keeps it up).
// Not root: every lab test is skipped with the reason, through the provided `labSkipReason`.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

const script = fileURLToPath(new URL('./lab.sh', import.meta.url));

function lab(...args: string[]): number {
  return spawnSync('bash', [script, ...args], { stdio: 'inherit' }).status ?? 1;
}

export default function setup(project: TestProject): (() => void) | undefined {
  if (process.getuid?.() !== 0) {
    const reason = 'lab tests need root (network namespaces, systemd-nspawn): skipped';
    process.stdout.write(`\n[lab] ${reason}\n`);
    project.provide('labSkipReason', reason);
    return undefined;
  }
  if (lab('up') !== 0) throw new Error('lab up failed (see the output above); the lab was torn down');
  project.provide('labSkipReason', null);
  return () => {
    if (process.env.LAB_KEEP === '1') {
      process.stdout.write('[lab] LAB_KEEP=1: leaving the lab up (npm run lab -- down)\n');
      return;
    }
    // down verifies that nothing (process, namespace, mount, cgroup) is left and fails if something is.
    if (lab('down') !== 0) throw new Error('lab down left something behind (see the output above)');
  };
}
