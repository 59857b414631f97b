// Step 3: `ober-push rolling-restart -i INV --json --timeline .state/roll.svg` while the load flows. Its JSON events (src/engine/events.ts,
// one per line, each with an ISO `time`) are kept for the timeline; each finished phase step is shown live.
import { createInterface } from 'node:readline';
import { startCli } from './cli.mjs';
import { shownPath } from './lab.mjs';

/** The steps that move a node through its phases: withdrawn → drained → restarted (work) → healthy → announced. */
export const PHASE_STEPS = ['withdraw', 'drain', 'work', 'health', 'announce'];

export async function rollingRestart(state, { t0, outFd, say }) {
  const timeline = `${state.stateDir}/roll.svg`;
  const args = ['rolling-restart', '-i', state.inventory, '--json', '--timeline', timeline];
  say(`$ npx ober-push ${args.map(shownPath).join(' ')}`);
  const startedAt = Date.now();
  const { child, exit } = startCli(args, ['ignore', 'pipe', outFd]);
  const events = [];
  for await (const line of createInterface({ input: child.stdout })) {
    let event;
    try {
      event = JSON.parse(line);
    } catch {
      say(`  ${line}`); // not an event: show it as it came
      continue;
    }
    events.push(event);
    const live = liveLine(event, t0);
    if (live) say(live);
  }
  const exitCode = await exit;
  say(`  timeline of the roll (SVG: each node's steps, next hops in rotation, loss counters): ${shownPath(timeline)}`);
  return { exitCode, startedAt, endedAt: Date.now(), events };
}

const seconds = (iso, t0) => ((Date.parse(iso) - t0) / 1000).toFixed(1).padStart(5);

/** One compact line for the events an operator wants to follow, or null. */
function liveLine(event, t0) {
  if (
    event.type === 'rolling-step' &&
    event.status !== 'start' &&
    (PHASE_STEPS.includes(event.step) || event.status === 'failed')
  ) {
    const took = `${(event.ms / 1000).toFixed(1)} s`;
    return `  +${seconds(event.time, t0)} s  ${event.host}  ${event.step.padEnd(8)} ${event.status.padEnd(6)} ${took.padStart(6)}  ${event.detail ?? ''}`.trimEnd();
  }
  if (event.type === 'task-end' && event.status === 'failed')
    return `  +${seconds(event.time, t0)} s  ${event.host}  task "${event.task}" failed: ${event.message ?? ''}`;
  if (event.type === 'host-unreachable') return `  ${event.host} unreachable: ${event.message}`;
  if (event.type === 'warning') return `  warning${event.host ? ` (${event.host})` : ''}: ${event.message}`;
  if (event.type === 'rolling-recap') {
    const nodes = event.nodes.map((n) => `${n.host} ${n.phase}${n.serving ? '' : ' (not serving)'}`).join(', ');
    return `  recap: ${nodes}${event.stopped ? `; stopped: ${event.stopped}` : ''}`;
  }
  return null;
}
