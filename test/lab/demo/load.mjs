// Load through the VIP from the lab's client namespace: test/lab/loadgen.mjs, a new connection per request, in
// bounded windows. The first window lasts `seconds`; while the roll is still running when a window ends, another
// short one follows at once (a machine under load can make a roll outlast any fixed window). The windows are
// merged into one result; the pauses between them (loadgen starting up) are reported.
import { spawn } from 'node:child_process';
import { LAB_DIR } from './lab.mjs';

const EXTRA_WINDOW_SECONDS = 10;
const MAX_TOTAL_SECONDS = 300;

/** One loadgen run; resolves with its JSON plus when it ran on our clock. */
function loadWindow(state, seconds, concurrency) {
  const args = ['netns', 'exec', state.client.netns, process.execPath, `${LAB_DIR}loadgen.mjs`,
    '--url', `http://${state.vip}/`, '--concurrency', String(concurrency), '--duration', String(seconds)];
  const child = spawn('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const result = new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`load generator failed (exit ${code}): ${stderr.trim()}`));
      const endedAt = Date.now();
      const r = JSON.parse(stdout);
      // loadgen counts its seconds from its own start, after node has loaded: place that on our clock.
      resolve({ ...r, endedAt, firstRequestAt: endedAt - r.elapsedMs });
    });
  });
  return { result, kill: () => child.kill('SIGKILL') };
}

/**
 * Starts the load. `done()` tells it the roll has ended; `result` then resolves with the merged windows:
 * totals, error kinds, p99 (worst window), failures per second on our clock (`at`, epoch ms), pauses.
 */
export function startLoad(state, { seconds, concurrency }) {
  const startedAt = Date.now();
  let rollDone = false;
  let current;
  const windows = [];
  const result = (async () => {
    let length = seconds;
    for (;;) {
      current = loadWindow(state, length, concurrency);
      windows.push(await current.result);
      if (rollDone || Date.now() - startedAt > MAX_TOTAL_SECONDS * 1000) break;
      length = EXTRA_WINDOW_SECONDS;
    }
    return merge(windows, startedAt);
  })();
  result.catch(() => {}); // awaited after the roll; a failure before then must not count as unhandled
  return { startedAt, result, done: () => (rollDone = true), stop: () => current?.kill() };
}

function merge(windows, startedAt) {
  const sum = (key) => windows.reduce((n, w) => n + w[key], 0);
  const errors = {};
  for (const w of windows) for (const [kind, n] of Object.entries(w.errors)) errors[kind] = (errors[kind] ?? 0) + n;
  const last = windows[windows.length - 1];
  const pausesMs = windows.slice(1).map((w, i) => w.firstRequestAt - windows[i].endedAt);
  const elapsedMs = last.endedAt - windows[0].firstRequestAt;
  return {
    windows: windows.length,
    startedAt,
    firstRequestAt: windows[0].firstRequestAt,
    endedAt: last.endedAt,
    elapsedMs,
    requests: sum('requests'),
    ok: sum('ok'),
    failed: sum('failed'),
    errors,
    rps: Math.round((sum('requests') / elapsedMs) * 1000),
    p99Ms: Math.max(...windows.map((w) => w.latencyMs.p99 ?? 0)),
    pausesMs,
    failedSeconds: windows.flatMap((w) => w.perSecond.filter((b) => b.failed > 0).map((b) => ({ at: w.firstRequestAt + b.second * 1000, failed: b.failed, errors: b.errors }))),
  };
}
