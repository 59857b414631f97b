// Rolling-restart benchmark (not part of `npm test`): a private 3-host lab (own prefix, as the lab tests use),
// the stack deployed with playbooks/site.yml, then rolling-restart under load (new connection per request, then
// keep-alive) and the naive roll (HAProxy restarted per node while its route stays announced) under the same load. Writes
// bench/results/rolling-<time>.json: failed requests per roll, and per node the time spent beyond the work and
// the configured waits (settle), which is what the rolling machinery costs (goal < 1 s).
// Usage (root): node bench/rolling/run.mjs [--keep]   (--keep leaves the private lab up)
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const state = join(root, 'test/lab/.state-rolling');
const env = { ...process.env, LAB_PREFIX: 'oberroll-', LAB_STATE: state, NO_COLOR: '1' };
const inventory = join(state, 'inventory.yml');
const bin = join(root, 'bin/ober-push.js');
const lab = (...args) => execFileSync('bash', [join(root, 'test/lab/lab.sh'), ...args], { env, stdio: 'inherit' });
const nextHops = () =>
  [
    ...spawnSync('ip', ['-n', 'oberroll-router', 'route', 'show', '10.99.100.1'], { encoding: 'utf8' }).stdout.matchAll(
      /via (\S+)/g,
    ),
  ]
    .map((m) => m[1])
    .sort();

async function waitAll() {
  const deadline = Date.now() + 60_000;
  while (nextHops().length !== 3) {
    if (Date.now() > deadline) throw new Error(`router has ${nextHops()} only`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function underLoad(work, keepalive) {
  const args = [
    'netns',
    'exec',
    'oberroll-client',
    process.execPath,
    join(root, 'test/lab/rolling/load.mjs'),
    '--url',
    'http://10.99.100.1/',
    '--concurrency',
    '16',
    ...(keepalive ? ['--keepalive'] : []),
  ];
  const child = spawn('ip', args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  const closed = new Promise((r) => child.on('close', r));
  await new Promise((r) => setTimeout(r, 1000)); // let the load reach its steady rate first
  const result = await work();
  child.kill('SIGTERM');
  await closed;
  const load = JSON.parse(out);
  delete load.failedAt;
  return { load, result };
}

function roll() {
  const cwd = mkdtempSync(join(tmpdir(), 'ober-bench-'));
  const r = spawnSync(process.execPath, [bin, 'rolling-restart', '-i', inventory, '--json'], {
    cwd,
    env,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (r.status !== 0) throw new Error(`rolling-restart exited ${r.status}:\n${r.stdout.slice(-2000)}`);
  const steps = r.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l))
    .filter((e) => e.type === 'rolling-step' && e.status !== 'start');
  const nodes = {};
  for (const e of steps) (nodes[e.host] ??= {})[e.step] = e.ms;
  const perNode = Object.entries(nodes).map(([host, s]) => {
    const total = Object.values(s).reduce((a, b) => a + b, 0);
    return {
      host,
      totalMs: total,
      workMs: s.work ?? 0,
      settleMs: s.settle ?? 0,
      overheadMs: total - (s.work ?? 0) - (s.settle ?? 0),
      steps: s,
    };
  });
  return Promise.resolve(perNode);
}

async function naive() {
  for (const h of ['lb01', 'lb02', 'lb03']) {
    execFileSync('ssh', [
      '-F',
      join(state, 'ssh_config'),
      h,
      'systemctl restart --job-mode=ignore-dependencies ober-haproxy',
    ]); // route stays announced
    await waitAll();
  }
}

lab('up', '--hosts', '3');
execFileSync(
  process.execPath,
  [bin, 'deploy', '-i', inventory, '--reporter', 'plain', join(root, 'playbooks/site.yml')],
  { env, stdio: ['ignore', 'ignore', 'inherit'] },
);
await waitAll();
const results = { date: new Date().toISOString(), machineLoad: readFileSync('/proc/loadavg', 'utf8').trim(), runs: {} };
for (const keepalive of [false, true]) {
  const kind = keepalive ? 'keep-alive' : 'new connection per request';
  const ours = await underLoad(roll, keepalive);
  results.runs[`rolling-restart, ${kind}`] = { load: ours.load, perNode: ours.result };
  await waitAll();
  results.runs[`naive systemctl restart, ${kind}`] = { load: (await underLoad(naive, keepalive)).load };
  await waitAll();
}
mkdirSync(join(root, 'bench/results'), { recursive: true });
const file = join(root, 'bench/results', `rolling-${results.date.replace(/[:.]/g, '-')}.json`);
writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
for (const [name, r] of Object.entries(results.runs)) {
  const over = r.perNode
    ? ` | overhead per node ms: ${r.perNode.map((n) => `${n.host} ${n.overheadMs}`).join(', ')}`
    : '';
  process.stdout.write(`${name}: ${r.load.failed} failed of ${r.load.requests}${over}\n`);
}
process.stdout.write(`written ${file}\n`);
if (!process.argv.includes('--keep')) lab('down');
