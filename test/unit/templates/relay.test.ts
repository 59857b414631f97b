// The stray-packet relay table (BGP mode): real `nft -c` accepts it, it matches only the VIPs' frontend ports, and
// its stray chain ships empty (the kernel resets strays as always until a roll arms it).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_PATHS } from '../../../src/stack/paths.js';
import { bgpVars, hosts, keepalivedHosts, keepalivedVars } from '../stack/fixtures.js';
import { renderHost, run } from './harness.js';

const dir = mkdtempSync(join(tmpdir(), 'ober-relay-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('relay.nft (BGP mode)', () => {
  const bgp = renderHost(dir, bgpVars, hosts(1), 0);
  const rules = bgp.file(DEFAULT_PATHS.relayRules);

  it('passes nft -c (the syntax the hosts load)', () => {
    const r = run('nft', ['-c', '-f', bgp.local(DEFAULT_PATHS.relayRules)]);
    expect(r.out).toBe('');
    expect(r.code).toBe(0);
  });

  it('sends only non-SYN packets of flows unknown to this node, to the VIPs and frontend ports, to an empty stray chain', () => {
    const match = rules.split('\n').find((l) => l.includes('jump stray')) ?? '';
    const vips = (bgpVars as { vips: string[] }).vips;
    for (const vip of vips) expect(match).toContain(vip);
    expect(match).toMatch(/tcp dport \{ [0-9, ]+ \}/);
    expect(match).toContain('tcp flags & syn == 0 ct state new,invalid');
    expect(rules).toMatch(/chain stray \{\s*\}/);
  });

  it("counts strays (relayed copies excluded) and the resets the node sends from the VIPs' frontends", () => {
    const strays = rules.split('\n').find((l) => l.includes('counter name "strays"')) ?? '';
    expect(strays).toContain('tcp flags & syn == 0 ct state new,invalid ip dscp != cs5');
    const resets = rules.split('\n').find((l) => l.includes('counter name "resets"')) ?? '';
    expect(resets).toMatch(/^\s*ip saddr \{ [0-9., ]+ \} tcp sport \{ [0-9, ]+ \} tcp flags & rst == rst/);
    expect(rules).toMatch(/chain output \{\s*type filter hook output priority filter; policy accept;/);
  });

  it('is not installed in keepalived mode (the VIP moves whole; no ECMP)', () => {
    const ka = renderHost(dir, keepalivedVars, keepalivedHosts(), 0);
    expect(ka.files.map((f) => f.path)).not.toContain(DEFAULT_PATHS.relayRules);
    expect(ka.files.map((f) => f.path)).not.toContain(DEFAULT_PATHS.units.relay);
  });
});
