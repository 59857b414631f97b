// `npm run bench [-- PART ...] [--quick] [--rounds N] [--keep-lab]`: ober-push against Ansible on the same
// lab hosts, the floor, site.yml, scale and start-up. Parts: startup, stack, tasks20, floor, site, scale (default: all).
// Needs root (lab namespaces, apt). Never part of `npm test`.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { ensureLab, labDown } from './lib/bench-lab.mjs';
import { load, machineFacts } from './lib/machine.mjs';
import { BENCH, REPO } from './lib/paths.mjs';
import { writeResults } from './lib/report.mjs';
import { floor } from './parts/floor.mjs';
import { scale } from './parts/scale.mjs';
import { site } from './parts/site.mjs';
import { stack } from './parts/stack.mjs';
import { startup } from './parts/startup.mjs';
import { tasks20 } from './parts/tasks20.mjs';

// startup last: the lab is down by then and the machine quieter.
const PARTS = { stack, tasks20, floor, site, scale, startup };
const LAB_PARTS = new Set(['stack', 'tasks20', 'floor', 'site']);
const LAB_HOSTS = 20;

function parseArgs(argv) {
  const opts = { parts: [], quick: false, rounds: null, keepLab: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') opts.quick = true;
    else if (a === '--keep-lab') opts.keepLab = true;
    else if (a === '--rounds') opts.rounds = Number(argv[++i]);
    else if (a in PARTS) opts.parts.push(a);
    else throw new Error(`unknown argument ${a}; parts: ${Object.keys(PARTS).join(', ')}; options: --quick --rounds N --keep-lab`);
  }
  // site.yml needs a fresh lab per round (~25 s + a full deploy): in the full run, not in --quick unless named.
  if (opts.parts.length === 0) opts.parts = Object.keys(PARTS).filter((p) => !(opts.quick && p === 'site'));
  return opts;
}

// A/B rounds per lab part: Ansible needs 1-4 min per stack round and ~2 min per tasks20 round here, so the
// full run stays near 15 minutes; --rounds N overrides both.
function roundsFor(name, opts) {
  if (opts.rounds) return opts.rounds;
  if (opts.quick) return 1;
  if (name === 'site') return 1;
  return name === 'stack' ? 2 : 3;
}

function previousParts(opts) {
  const file = `${BENCH}results/${opts.quick ? 'quick' : 'latest'}.json`;
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')).parts ?? {} : {};
}

const log = (msg) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (process.getuid?.() !== 0) throw new Error('the benchmark needs root (lab namespaces, sshd, apt)');
  if (spawnSync('bash', [`${BENCH}setup.sh`], { stdio: 'inherit' }).status !== 0) throw new Error('bench/setup.sh failed');
  if (!existsSync(`${REPO}dist/cli/main.js`)) throw new Error('dist/ is missing: run `npm run build` first');
  delete process.env.SSH_AUTH_SOCK; // only the lab's keys: no agent

  const result = { mode: opts.quick ? 'quick' : 'full', rounds: { stack: roundsFor('stack', opts), tasks20: roundsFor('tasks20', opts) }, startedAt: new Date().toISOString(), loadAtStart: load(), machine: machineFacts(), parts: {}, errors: [] };
  const needsLab = opts.parts.some((p) => LAB_PARTS.has(p));
  const state = needsLab ? ensureLab(LAB_HOSTS, log) : null;
  try {
    for (const name of opts.parts) {
      log(`${name}: start (load ${load().join(' ')})`);
      try {
        const measuredAt = new Date().toISOString();
        const loadBefore = load();
        // floor reads the round trips the A/B parts counted: this run's, else the previous results file's
        const results = { ...previousParts(opts), ...result.parts };
        const part = await PARTS[name]({ state, rounds: roundsFor(name, opts), quick: opts.quick, log, results });
        result.parts[name] = { measuredAt, load: { before: loadBefore, after: load() }, ...part };
      } catch (error) {
        log(`${name} failed: ${error.message}`);
        result.errors.push({ part: name, message: error.message });
      }
    }
  } finally {
    if (needsLab && !opts.keepLab) log(labDown() ? 'bench lab down' : 'bench lab down reported leftovers (see `npm run lab -- status` with LAB_PREFIX=oberbench-)');
  }
  result.loadAtEnd = load();
  result.finishedAt = new Date().toISOString();
  const { md, files } = writeResults(result);
  process.stdout.write(`\n${md}\n\nwritten: ${files.join(', ')}\n`);
  return result.errors.length ? 1 : 0;
}

main().then(
  (code) => (process.exitCode = code),
  (error) => {
    process.stderr.write(`bench: ${error.message}\n`);
    process.exitCode = 1;
  },
);
