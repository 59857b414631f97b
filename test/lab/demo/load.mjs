// Load through the VIP from the lab's client namespace: test/lab/loadgen.mjs, a new connection per request, for a
// bounded duration. Started before a roll and awaited after it, so the roll happens while requests flow.
import { spawn } from 'node:child_process';
import { LAB_DIR } from './lab.mjs';

/** Starts the load; `result` resolves with loadgen's JSON (totals, error kinds, per-second buckets). */
export function startLoad(state, { seconds, concurrency }) {
  const args = ['netns', 'exec', state.client.netns, process.execPath, `${LAB_DIR}loadgen.mjs`,
    '--url', `http://${state.vip}/`, '--concurrency', String(concurrency), '--duration', String(seconds)];
  const startedAt = Date.now();
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
      const result = JSON.parse(stdout);
      // loadgen counts its seconds from its own start, after node has loaded: place that on our clock.
      resolve({ ...result, startedAt, endedAt, firstRequestAt: endedAt - result.elapsedMs });
    });
  });
  result.catch(() => {}); // awaited after the roll; a failure before then must not count as unhandled
  return { startedAt, result, stop: () => child.kill('SIGKILL') };
}
