// The relay's counters: the read script against the real rendered table (real nft, a network namespace of its
// own), and the wait that keeps the relay armed until no stray arrives, over nodes whose counters follow a script.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { NodeOps } from '../../../src/engine/rolling/node-ops.js';
import {
  countedSince,
  readFleetAt,
  readRelayCounters,
  waitStraysQuiet,
} from '../../../src/engine/rolling/relay-counters.js';
import { DEFAULT_PATHS } from '../../../src/stack/paths.js';
import { bgpVars, hosts } from '../stack/fixtures.js';
import { renderHost, run } from '../templates/harness.js';

const dir = mkdtempSync(join(tmpdir(), 'ober-relay-counters-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function node(name: string, exec: NodeOps['exec']): NodeOps {
  const target = {
    name,
    address: '10.0.0.11',
    mode: 'bgp' as const,
    statsPort: 8404,
    vips: [],
    paths: DEFAULT_PATHS,
    routers: [],
    frontends: [],
  };
  return { target, exec, probe: () => Promise.reject(new Error('not used')) };
}

/** A node whose strays counter grows by one every `everyMs` until `stopAt` ms from now. */
function straying(name: string, everyMs: number, stopAt: number): NodeOps {
  const start = Date.now();
  const strays = () => Math.floor(Math.min(Date.now() - start, stopAt) / everyMs);
  return node(name, () => Promise.resolve({ code: 0, stdout: `strays ${strays()}\nresets 3\n`, stderr: '' }));
}

describe('relay counters', () => {
  it('reads strays and resets from the real table; a node without the table has none', async () => {
    const rules = renderHost(dir, bgpVars, hosts(1), 0).local(DEFAULT_PATHS.relayRules);
    const inNamespace = (withTable: boolean) =>
      node('lb01', (command) => {
        const r = run('unshare', ['-n', 'sh', '-c', `${withTable ? `nft -f ${rules} && ` : ''}${command.text}`]);
        return Promise.resolve({ code: r.code ?? 1, stdout: r.out, stderr: '' });
      });
    expect(await readRelayCounters(inNamespace(true))).toEqual({ strays: 0, resets: 0 });
    expect(await readRelayCounters(inNamespace(false))).toBeNull();
  });

  it('sums what the fleet counted since a reading, ignoring nodes missing on either side', () => {
    const before = new Map([
      ['lb01', { strays: 5, resets: 1 }],
      ['lb02', { strays: 0, resets: 0 }],
    ]);
    const after = new Map([
      ['lb01', { strays: 9, resets: 1 }],
      ['lb02', { strays: 2, resets: 4 }],
      ['lb03', { strays: 100, resets: 100 }],
    ]);
    expect(countedSince(before, after)).toEqual({ strays: 6, resets: 4 });
  });

  it('holds until no node counted a stray for the window, or gives up at the cap', async () => {
    const quiet = await waitStraysQuiet([straying('lb01', 10, 300), straying('lb02', 1000, 0)], 200, 5000);
    expect(quiet.quiet).toBe(true);
    expect(quiet.ms).toBeGreaterThanOrEqual(450);
    expect(quiet.strays).toBeGreaterThanOrEqual(20);
    // Quiet since an earlier reading (settle waited already): done at the first read.
    const calm = [straying('lb01', 10, 0)];
    const since = await readFleetAt(calm);
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect((await waitStraysQuiet(calm, 200, 5000, undefined, since)).ms).toBeLessThan(100);
    const busy = await waitStraysQuiet([straying('lb01', 10, Infinity)], 200, 600);
    expect(busy).toMatchObject({ quiet: false });
    expect(busy.ms).toBeGreaterThanOrEqual(600);
  });
});
