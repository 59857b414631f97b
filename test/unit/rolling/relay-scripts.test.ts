// The relay's arm, disarm and clear scripts against real nftables: the rendered relay table loaded in a network
// namespace of its own, the holders file in a temp dir. What matters: the chain stays armed while any holder is
// left, empties with the last, and a clear (roll ended, or a killed run's leftover) empties it whoever held it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { armScript, clearScript, disarmScript } from '../../../src/engine/rolling/relay.js';
import { DEFAULT_PATHS, type StackPaths } from '../../../src/stack/paths.js';
import { bgpVars, hosts } from '../stack/fixtures.js';
import { renderHost, run } from '../templates/harness.js';
import type { ShellCommand } from '../../../src/core/shell.js';

const dir = mkdtempSync(join(tmpdir(), 'ober-relay-arm-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const node = renderHost(dir, bgpVars, hosts(3), 0);
const paths: StackPaths = { ...node.paths, relayHolders: join(dir, 'run', 'relay-holders') };
const PEERS = ['10.99.0.12', '10.99.0.13'];

/** Runs the steps one after the other in one fresh network namespace; returns each step's output and the chain after it. */
function inNamespace(steps: ShellCommand[]): Array<{ out: string; chain: string; holders: string }> {
  const sep = '@@step@@';
  const body = steps
    .map(
      (s) =>
        `echo ${sep}; ( ${s.text} ); echo ${sep}chain; nft list chain ip ober_relay stray; echo ${sep}holders; cat ${paths.relayHolders} 2>/dev/null; true`,
    )
    .join('\n');
  const r = run('unshare', ['-n', 'bash', '-c', `nft -f ${node.local(DEFAULT_PATHS.relayRules)} || exit 9\n${body}`]);
  expect(r.code).toBe(0);
  return r.out
    .split(`${sep}\n`)
    .slice(1)
    .map((block) => {
      const [out = '', rest = ''] = block.split(`${sep}chain\n`);
      const [chain = '', holders = ''] = rest.split(`${sep}holders\n`);
      return { out: out.trim(), chain, holders: holders.trim() };
    });
}

const rules = (chain: string): string[] =>
  chain
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.includes('dscp'));

describe('relay arming on a node (real nft)', () => {
  it('copies strays to every peer while a holder is left, and empties the chain with the last holder', () => {
    const [armA, armB, disarmA, disarmB] = inNamespace([
      armScript(paths, 'lb01', PEERS),
      armScript(paths, 'lb02', PEERS),
      disarmScript(paths, 'lb01'),
      disarmScript(paths, 'lb02'),
    ]);
    expect(armA?.out).toBe('armed');
    expect(rules(armA?.chain ?? '')).toHaveLength(2);
    for (const peer of PEERS) expect(armA?.chain).toContain(`dup to ${peer}`);
    expect(armB?.holders.split('\n')).toEqual(['lb01', 'lb02']);
    expect(disarmA?.out).toBe('held');
    expect(rules(disarmA?.chain ?? '')).toHaveLength(2);
    expect(disarmB?.out).toBe('disarmed');
    expect(rules(disarmB?.chain ?? '')).toEqual([]);
    expect(disarmB?.holders).toBe('');
  });

  it('clear empties the chain and forgets every holder, whoever armed it', () => {
    const [, , clear] = inNamespace([
      armScript(paths, 'lb01', PEERS),
      armScript(paths, 'lb03', PEERS),
      clearScript(paths),
    ]);
    expect(clear?.out).toBe('cleared');
    expect(rules(clear?.chain ?? '')).toEqual([]);
    expect(clear?.holders).toBe('');
  });

  it('reports unavailable on a node without the relay table (deployed before it)', () => {
    const r = run('unshare', [
      '-n',
      'bash',
      '-c',
      `( ${armScript(paths, 'lb01', PEERS)} )\necho @@\n( ${clearScript(paths)} )`,
    ]);
    expect(r.out.split('@@').map((s) => s.trim())).toEqual(['unavailable', 'unavailable']);
  });
});
