// `npm run demo`: the whole job on this machine. Brings up the lab, deploys the stack from bare hosts to an
// announced VIP, rolls a restart under load, does the same naively for comparison, and prints the verdict.
// Usage: node test/lab/demo/demo.mjs [--reporter tty|plain] [--json] [--load-seconds 30] [--concurrency 16] [--no-naive]
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { deployStack } from './deploy.mjs';
import { watchHops } from './hops.mjs';
import { bothRoutersListAll, labState, labStateDir, labUp, shownPath, waitFor } from './lab.mjs';
import { startLoad } from './load.mjs';
import { naiveRestart } from './naive.mjs';
import { cannotRun } from './preflight.mjs';
import { rollingRestart } from './roll.mjs';
import { buildVerdict, formatVerdict } from './verdict.mjs';

const USAGE =
  'usage: npm run demo -- [--reporter tty|plain] [--json] [--load-seconds N] [--concurrency N] [--no-naive]';

function options() {
  try {
    const { values } = parseArgs({
      options: {
        reporter: { type: 'string' },
        json: { type: 'boolean', default: false },
        'load-seconds': { type: 'string', default: '30' },
        concurrency: { type: 'string', default: '16' },
        'no-naive': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    const loadSeconds = Number(values['load-seconds']);
    const concurrency = Number(values.concurrency);
    if (values.reporter !== undefined && !['tty', 'plain'].includes(values.reporter))
      throw new Error(`--reporter: expected tty or plain, got ${values.reporter}`);
    if (!Number.isInteger(loadSeconds) || loadSeconds < 5 || loadSeconds > 300)
      throw new Error('--load-seconds: expected an integer 5-300');
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256)
      throw new Error('--concurrency: expected an integer 1-256');
    return { ...values, loadSeconds, concurrency };
  } catch (err) {
    process.stderr.write(`demo: ${err.message}\n${USAGE}\n`);
    process.exit(2);
  }
}

const opts = options();
if (opts.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
// With --json, stdout carries only the verdict; everything for people goes to stderr.
const outFd = opts.json ? 2 : 1;
const out = opts.json ? process.stderr : process.stdout;
const tty = opts.reporter !== 'plain' && Boolean(out.isTTY);
const say = (line) => out.write(`${line}\n`);
const heading = (text) => say(`\n== ${text}`);

let interrupted = false;
// Ctrl-C reaches the children too (same process group): let them stop cleanly, then report where the lab stands.
process.on('SIGINT', () => {
  interrupted = true;
});

function fail(message) {
  process.stderr.write(`\ndemo: ${interrupted ? 'interrupted: ' : ''}${message}\n`);
  if (existsSync(`${labStateDir()}/state.json`)) say(aftercare());
  process.exit(interrupted ? 130 : 1);
}

function aftercare() {
  const env = process.env.LAB_STATE
    ? `LAB_STATE=${shownPath(labStateDir())} ${process.env.LAB_PREFIX ? `LAB_PREFIX=${process.env.LAB_PREFIX} ` : ''}`
    : '';
  return [
    '',
    'The lab is still up. Explore it:',
    `  npx ober-push status -i ${shownPath(`${labStateDir()}/inventory.yml`)}   # each node; a roll cut short: npx ober-push resume -i …`,
    `  ${env}npm run lab -- ssh lb01          # a shell on a node (also: status, routes)`,
    'Tear it down:',
    `  ${env}npm run lab -- down`,
  ].join('\n');
}

/** Runs work() under load through the VIP for `seconds` and watches the router meanwhile. */
async function underLoad(state, seconds, work) {
  await waitFor(() => bothRoutersListAll(state), {
    timeoutMs: 60_000,
    what: 'every host announcing the VIP at both routers before the load',
  });
  const load = startLoad(state, { seconds, concurrency: opts.concurrency });
  const hops = watchHops(state);
  const t0 = load.startedAt;
  try {
    const result = await work(t0);
    load.done();
    const changes = await hops.stop();
    say('  roll done; the load runs on to the end of its window ...');
    return { ...result, t0, hops: changes, load: await load.result };
  } catch (err) {
    load.stop();
    await hops.stop();
    throw err;
  }
}

const started = Date.now();
const reason = cannotRun();
if (reason) {
  process.stderr.write(`demo: cannot run here: ${reason}\n`);
  process.exit(1);
}

heading('1/4 the lab: 3 systemd hosts, a BGP router, a backend, a client (the first run builds the base, ~2 min)');
const labStarted = Date.now();
const labCode = await labUp(outFd);
if (labCode !== 0) fail(`the lab did not come up (exit ${labCode}); the lab driver said why above`);
const labUpSeconds = Math.round((Date.now() - labStarted) / 100) / 10;
const state = labState();
const lab = { prefix: state.prefix, inventory: state.inventory, vip: state.vip, hosts: state.hosts.map((h) => h.name) };

heading(`2/4 deploy playbooks/site.yml: bare hosts → HAProxy + ExaBGP announcing ${state.vip}`);
const deploy = await deployStack(state, { tty, outFd, say });
if (deploy.exitCode !== 0) fail(`deploy failed (exit ${deploy.exitCode}); its recap above names the host and task`);
say(`  router next hops for ${state.vip}: ${deploy.nextHops.join(' ') || 'none'}`);
if (!deploy.allAnnounced) {
  fail(
    `the router does not list every host for ${state.vip} (${deploy.nextHops.join(' ') || 'none'}); a node left withdrawn by an interrupted roll comes back with \`npx ober-push resume -i ${shownPath(state.inventory)}\`; \`npx ober-push status -i ${shownPath(state.inventory)}\` shows each node`,
  );
}

heading(
  `3/4 rolling-restart under load: ${opts.concurrency} clients, a new connection per request, ${opts.loadSeconds} s or until the roll ends`,
);
let rolling;
try {
  rolling = await underLoad(state, opts.loadSeconds, (t0) => rollingRestart(state, { t0, outFd, say }));
} catch (err) {
  fail(`rolling-restart under load: ${err.message}`);
}
if (interrupted) fail('stopped before the verdict');

let naive = null;
if (!opts['no-naive']) {
  heading('4/4 the same load, naively: restart HAProxy node by node, no withdraw');
  try {
    naive = await underLoad(state, opts.loadSeconds, (t0) =>
      naiveRestart(state, { t0, say, aborted: () => interrupted }),
    );
  } catch (err) {
    fail(`naive restart under load: ${err.message}`);
  }
  if (interrupted) fail('stopped before the verdict');
}

const verdict = buildVerdict({
  lab,
  deploy,
  rolling,
  naive,
  timings: { labUpSeconds, totalSeconds: Math.round((Date.now() - started) / 100) / 10 },
});
say(formatVerdict(verdict));
say(aftercare());
if (opts.json) process.stdout.write(`${JSON.stringify(verdict)}\n`);
process.exit(verdict.ok ? 0 : 1);
