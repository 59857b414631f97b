// Load through the VIP from the lab's client namespace: test/lab/loadgen.mjs, a new connection per request, in
// bounded windows. The first window lasts `seconds`; while the roll is still running near a window's end, the next
// (short) window starts a little before it, so the load never pauses (a machine under load can make a roll outlast
// any fixed window). The windows are merged into one result.
import { spawn } from 'node:child_process';
import { LAB_DIR } from './lab.mjs';

const EXTRA_WINDOW_SECONDS = 10;
const MAX_TOTAL_SECONDS = 300;
// loadgen takes up to ~1 s to start on a busy machine: the next window starts this long before the current ends.
const OVERLAP_MS = 2000;

/** One loadgen run; resolves with its JSON plus when it ran on our clock. */
function loadWindow(state, seconds, concurrency) {
  const args = [
    'netns',
    'exec',
    state.client.netns,
    process.execPath,
    `${LAB_DIR}loadgen.mjs`,
    '--url',
    `http://${state.vip}/`,
    '--concurrency',
    String(concurrency),
    '--duration',
    String(seconds),
  ];
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
  const running = [];
  const started = [];
  const next = (length) => {
    const window = loadWindow(state, length, concurrency);
    running.push(window);
    started.push(window.result);
    const timer = setTimeout(
      () => {
        if (!rollDone && Date.now() - startedAt < MAX_TOTAL_SECONDS * 1000) next(EXTRA_WINDOW_SECONDS);
      },
      Math.max(0, length * 1000 - OVERLAP_MS),
    );
    window.result.finally(() => clearTimeout(timer)).catch(() => {});
  };
  next(seconds);
  const result = (async () => {
    // Windows only start while an earlier one runs: once the newest has ended, no more will start.
    for (let seen = 0; seen < started.length; seen++) await started[seen];
    return merge(await Promise.all(started), startedAt);
  })();
  result.catch(() => {}); // awaited after the roll; a failure before then must not count as unhandled
  return { startedAt, result, done: () => (rollDone = true), stop: () => running.forEach((w) => w.kill()) };
}

function merge(windows, startedAt) {
  const sum = (key) => windows.reduce((n, w) => n + w[key], 0);
  const errors = {};
  for (const w of windows) for (const [kind, n] of Object.entries(w.errors)) errors[kind] = (errors[kind] ?? 0) + n;
  const last = windows[windows.length - 1];
  // Negative: the windows overlapped (twice the clients for that long); positive: the load paused.
  const gapsMs = windows.slice(1).map((w, i) => w.firstRequestAt - windows[i].endedAt);
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
    gapsMs,
    failedSeconds: windows.flatMap((w) =>
      w.perSecond
        .filter((b) => b.failed > 0)
        .map((b) => ({ at: w.firstRequestAt + b.second * 1000, failed: b.failed, errors: b.errors })),
    ),
  };
}
