// CLI start-up: `ober-push --help`, median of 10 (target < 300 ms), next to bare `node -e 0` (interleaved) so a
// busy machine shows as a slow baseline rather than a slow CLI.
import { OBER_PUSH_BIN } from '../lib/paths.mjs';
import { mustSucceed, runTimed } from '../lib/run-timed.mjs';
import { summarize } from '../lib/stats.mjs';

export async function startup({ log }) {
  const times = [];
  const bare = [];
  await runTimed(process.execPath, [OBER_PUSH_BIN, '--help']); // warm the page cache
  for (let i = 0; i < 10; i++) {
    bare.push(mustSucceed(await runTimed(process.execPath, ['-e', '0']), 'node -e 0').wallMs);
    times.push(mustSucceed(await runTimed(process.execPath, [OBER_PUSH_BIN, '--help']), 'ober-push --help').wallMs);
  }
  const help = summarize(times);
  const nodeBaseline = summarize(bare);
  log(`--help: median ${help.median} ms (node -e 0: ${nodeBaseline.median} ms)`);
  return { help, nodeBaseline, target: { helpMs: 300 }, met: help.median < 300 };
}
