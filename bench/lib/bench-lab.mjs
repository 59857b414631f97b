// The benchmark's own lab: the repo's lab driver with prefix `oberbench-` and state in bench/.lab-state, so
// 20 hosts run next to the main lab (oberlab-, 3 hosts, other engineers' tests) without touching it. Each lab
// has its own namespaces; the 10.99.0.0/24 addresses repeat only inside them.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { BENCH, REPO } from './paths.mjs';

export const LAB_ENV = { LAB_PREFIX: 'oberbench-', LAB_STATE: `${BENCH}.lab-state` };
const LAB_SCRIPT = `${REPO}test/lab/lab.sh`;

function lab(args) {
  const r = spawnSync('bash', [LAB_SCRIPT, ...args], { encoding: 'utf8', env: { ...process.env, ...LAB_ENV } });
  return { code: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}

export function labState() {
  const file = `${LAB_ENV.LAB_STATE}/state.json`;
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : null;
}

/** The bench lab with exactly `hosts` hosts, healthy: reuses a running one, else (re)creates it. */
export function ensureLab(hosts, log) {
  const state = labState();
  if (state && state.hosts.length === hosts && lab(['status']).code === 0) return state;
  if (state) {
    log(`bench lab has ${state.hosts.length} hosts or is unhealthy: recreating with ${hosts}`);
    lab(['down']);
  }
  const started = Date.now();
  const up = lab(['up', '--hosts', String(hosts)]);
  if (up.code !== 0) throw new Error(`bench lab up failed:\n${up.stderr.trim().split('\n').slice(-20).join('\n')}`);
  log(`bench lab up: ${hosts} hosts in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return labState();
}

export function labDown() {
  return lab(['down']).code === 0;
}

/** A fresh bench lab (down + up): bare hosts as the lab boots them. */
export function recreateLab(hosts, log) {
  labDown();
  return ensureLab(hosts, log);
}
