// `npm run bench [-- PART ...] [--quick] [--rounds N] [--keep-lab]`: ober-push against Ansible on the same
// lab hosts (site.yml and its twin; 20 small tasks), the floor, scale and start-up. Parts: site, tasks20, floor,
// scale, startup (the default), and stack (site.yml's earlier stand-in, run only when named).
// Needs root (lab namespaces, apt). Never part of `npm test`.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { ensureLab, labDown, labState } from './lib/bench-lab.mjs';
import { load, machineFacts } from './lib/machine.mjs';
import { BENCH, REPO } from './lib/paths.mjs';
import { writeResults } from './lib/report.mjs';
import { floor } from './parts/floor.mjs';
import { scale } from './parts/scale.mjs';
import { site } from './parts/site.mjs';
import { stack } from './parts/stack.mjs';
import { startup } from './parts/startup.mjs';
import { tasks20 } from './parts/tasks20.mjs';

// floor after the A/B parts (it reads their round trips); startup last: the lab is down by then, the machine quieter.
const PARTS = { stack, site, tasks20, floor, scale, startup };
const ONLY_WHEN_NAMED = new Set(['stack']);
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
    else
      throw new Error(
        `unknown argument ${a}; parts: ${Object.keys(PARTS).join(', ')}; options: --quick --rounds N --keep-lab`,
      );
  }
  // site.yml needs a fresh lab per first run (~100 s + a full deploy): in the full run, not in --quick unless named.
  if (opts.parts.length === 0)
    opts.parts = Object.keys(PARTS).filter((p) => !ONLY_WHEN_NAMED.has(p) && !(opts.quick && p === 'site'));
  return opts;
}

// A/B rounds per lab part: a site.yml round is ~14 min here (two fresh labs, Ansible ~5 + 4 min), a tasks20
// round ~4 min: two and three rounds keep the full run under an hour, each tool first in one site round at
// least; --rounds N overrides all.
function roundsFor(name, opts) {
  if (opts.rounds) return opts.rounds;
  if (opts.quick) return 1;
  return name === 'tasks20' ? 3 : 2;
}

function previousParts(opts) {
  const file = `${BENCH}results/${opts.quick ? 'quick' : 'latest'}.json`;
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')).parts ?? {}) : {};
}

const log = (msg) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (process.getuid?.() !== 0) throw new Error('the benchmark needs root (lab namespaces, sshd, apt)');
  if (spawnSync('bash', [`${BENCH}setup.sh`], { stdio: 'inherit' }).status !== 0)
    throw new Error('bench/setup.sh failed');
  if (!existsSync(`${REPO}dist/cli/main.js`)) throw new Error('dist/ is missing: run `npm run build` first');
  delete process.env.SSH_AUTH_SOCK; // only the lab's keys: no agent

  const result = {
    mode: opts.quick ? 'quick' : 'full',
    rounds: Object.fromEntries(['site', 'stack', 'tasks20'].map((p) => [p, roundsFor(p, opts)])),
    startedAt: new Date().toISOString(),
    loadAtStart: load(),
    machine: machineFacts(),
    parts: {},
    errors: [],
  };
  const needsLab = opts.parts.some((p) => LAB_PARTS.has(p));
  if (needsLab) ensureLab(LAB_HOSTS, log);
  try {
    for (const name of opts.parts) {
      log(`${name}: start (load ${load().join(' ')})`);
      try {
        const measuredAt = new Date().toISOString();
        const loadBefore = load();
        // floor reads the round trips the A/B parts counted: this run's, else the previous results file's
        const results = { ...previousParts(opts), ...result.parts, thisRun: Object.keys(result.parts) };
        // The site part recreates the lab: later parts read its current state.
        const part = await PARTS[name]({
          state: needsLab ? labState() : null,
          rounds: roundsFor(name, opts),
          quick: opts.quick,
          log,
          results,
        });
        result.parts[name] = { measuredAt, load: { before: loadBefore, after: load() }, ...part };
      } catch (error) {
        log(`${name} failed: ${error.message}`);
        result.errors.push({ part: name, message: error.message });
      }
    }
  } finally {
    if (needsLab && !opts.keepLab)
      log(
        labDown()
          ? 'bench lab down'
          : 'bench lab down reported leftovers (see `npm run lab -- status` with LAB_PREFIX=oberbench-)',
      );
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
