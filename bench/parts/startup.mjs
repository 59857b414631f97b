// CLI start-up: `ober-push --help`, median of 10 (target < 300 ms).
import { OBER_PUSH_BIN } from '../lib/paths.mjs';
import { mustSucceed, runTimed } from '../lib/run-timed.mjs';
import { summarize } from '../lib/stats.mjs';

export async function startup({ log }) {
  const times = [];
  await runTimed(process.execPath, [OBER_PUSH_BIN, '--help']); // warm the page cache
  for (let i = 0; i < 10; i++) times.push(mustSucceed(await runTimed(process.execPath, [OBER_PUSH_BIN, '--help']), 'ober-push --help').wallMs);
  const help = summarize(times);
  log(`--help: median ${help.median} ms`);
  return { help, target: { helpMs: 300 }, met: help.median < 300 };
}
