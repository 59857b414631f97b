// A fleet of BGP ingress nodes for whole-roll engine tests, as a responder of the recording transport: each node
// keeps its roll files (locks, phase, withdraw file), its announcer's state and its drain switch, and answers the
// rolling engine's scripts as a healthy node would. `kindOf` names each recorded command for the assertions.
import { ConnectError } from '../../../src/core/errors.js';
import type { Responder } from '../../support/recording-transport.js';
import { probeOut } from './fake-nodes.js';

export interface FakeNode {
  lock: string;
  fleetLock: string;
  phase: string;
  withdrawn: boolean;
  drained: boolean;
  /** Answers nothing: every command fails as a lost connection. */
  unreachable?: boolean;
}

export type FakeFleet = Map<string, FakeNode>;

export function fakeFleet(hosts: readonly string[], preset: Record<string, Partial<FakeNode>> = {}): FakeFleet {
  const node = (h: string): FakeNode => ({
    lock: '',
    fleetLock: '',
    phase: '',
    withdrawn: false,
    drained: false,
    ...preset[h],
  });
  return new Map(hosts.map((h) => [h, node(h)]));
}

const FLEET_LOCK = '/var/lib/ober-push/roll-fleet.lock';
const NODE_LOCK = '/var/lib/ober-push/roll.lock';

/** What a recorded command is, as the engine means it (unknown ones by their first words, so they show up). */
export function kindOf(command: string): string {
  const lockFile = command.includes(FLEET_LOCK) ? 'fleet lock' : command.includes(NODE_LOCK) ? 'node lock' : null;
  const holder = /grep -[qv]xF (\S+)/.exec(command)?.[1] ?? '?';
  if (command.includes('@@ober-section:fleet_lock@@')) return 'probe';
  if (command.includes('echo armed')) return `relay arm ${holder}`;
  if (command.includes('echo disarmed')) return `relay disarm ${holder}`;
  if (command.includes('echo cleared')) return 'relay clear';
  if (command.includes('for c in strays resets')) return 'relay counters';
  if (command.includes('new_flows')) return 'new-flow counter';
  if (lockFile && command.includes('echo acquired')) return `take ${lockFile}`;
  if (lockFile && command.includes('given back')) return `give back ${lockFile}`;
  if (lockFile && command.includes('case "$cur" in')) return `release ${lockFile}`;
  if (command.includes('/var/lib/ober-push/phase.tmp')) return 'write phase';
  if (command.includes('proc.ober_drain bool(true)')) return 'drain switch on';
  if (command.includes('proc.ober_drain bool(false)')) return 'drain switch off';
  if (/&& : > \S*withdrawn/.test(command)) return 'withdraw';
  if (/^rm -f \S*withdrawn/.test(command)) return 'announce';
  if (command.includes('timed_out=')) return 'drain wait';
  return `other: ${command.split('\n')[0]?.slice(0, 60) ?? ''}`;
}

/** Answers each node's commands from its state, and changes the state as the real scripts would. */
export function fleetResponder(fleet: FakeFleet): Responder {
  return (command, host) => {
    const n = fleet.get(host);
    if (!n) return undefined;
    if (n.unreachable) throw new ConnectError(host, 'connection refused');
    const kind = kindOf(command);
    const file: 'fleetLock' | 'lock' = kind.endsWith('fleet lock') ? 'fleetLock' : 'lock';
    switch (kind) {
      case 'probe':
        return { stdout: `${probe(n)}\n` };
      case 'take fleet lock':
      case 'take node lock': {
        if (n[file] !== '') return { stdout: `held\n${n[file]}\n` };
        n[file] = /printf '%s\\n' '([^']*)' > "\$f\.tmp"/.exec(command)?.[1] ?? 'taken';
        return { stdout: 'acquired\n' };
      }
      case 'release fleet lock':
      case 'release node lock':
      case 'give back fleet lock':
      case 'give back node lock':
        n[file] = '';
        return { stdout: kind.startsWith('give') ? 'given back\n' : '' };
      case 'write phase':
        n.phase = /printf '%s\\n' '([^']*)'/.exec(command)?.[1] ?? '';
        return {};
      case 'drain switch on':
      case 'drain switch off':
        n.drained = kind.endsWith('on');
        return {};
      case 'withdraw':
      case 'announce':
        n.withdrawn = kind === 'withdraw';
        return {};
      case 'drain wait':
        return { stdout: 'sessions=0 elapsed_ms=3 timed_out=0\n' };
      default:
        return relayAnswer(kind);
    }
  };
}

function relayAnswer(kind: string): { stdout: string } | undefined {
  if (kind.startsWith('relay arm')) return { stdout: 'armed\n' };
  if (kind.startsWith('relay disarm')) return { stdout: 'disarmed\n' };
  if (kind === 'relay clear') return { stdout: 'cleared\n' };
  // No counters (a node deployed before them): the steps go on without the loss budget, and without waiting.
  if (kind === 'relay counters' || kind === 'new-flow counter') return { stdout: 'none\n' };
  return undefined;
}

/** A serving node's probe, with its roll files, withdraw file, announcer and drain switch as they are now. */
function probe(n: FakeNode): string {
  const out = probeOut({ health: 200, lock: n.lock, fleetLock: n.fleetLock })
    .replace(/(@@ober-section:phase@@\n).*/, `$1${n.phase}`)
    .replace(/(@@ober-section:withdrawn@@\n).*/, `$1${n.withdrawn ? 'yes' : 'no'}`)
    .replace(/(@@ober-section:drain@@\n).*/, `$1value=<${n.drained ? 1 : 0}>`)
    .replace(
      /(@@ober-section:announcer@@\n).*/,
      `$1${JSON.stringify(n.withdrawn ? { state: 'withdrawn', reason: 'operator' } : { state: 'announced', reason: null })}`,
    );
  return out;
}
