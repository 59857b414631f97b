// playbooks/site.yml with inventory/example.yml (both HA modes) passes planPlays' validation; a value that would
// inject into a config is rejected by `deploy` with exit 2 and file:line before any host is contacted.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planPlays, type RunOptions } from '../../../src/engine/run-playbook.js';
import { magicVars } from '../../../src/engine/vars.js';
import { loadInventory } from '../../../src/inventory/load.js';
import { builtinModules } from '../../../src/modules/registry.js';
import { loadPlaybook } from '../../../src/playbook/load.js';
import { stackContextFromVars } from '../../../src/stack/from-vars.js';
import { renderStackFiles } from '../../../src/stack/stack-files.js';
import { whitelistContent } from '../../../src/stack/context.js';
import { createRenderer } from '../../../src/render/template.js';
import { repoRoot, runCli } from '../../support/cli.js';

const EXAMPLE = join(repoRoot, 'inventory/example.yml');
const SITE = join(repoRoot, 'playbooks/site.yml');
const options = (extraVars: Record<string, unknown> = {}): RunOptions => ({
  check: true,
  diff: false,
  verify: false,
  forks: 5,
  tags: [],
  skipTags: [],
  extraVars,
});
const KEEPALIVED = { ha_mode: 'keepalived', vips: ['10.20.0.101', '10.20.0.102', '10.20.0.103'] };

describe('site.yml + inventory/example.yml', () => {
  it.each([
    ['bgp', {}],
    ['keepalived', KEEPALIVED],
  ])('%s: every play validates for every host, and every stack file renders', async (_mode, extra) => {
    const inventory = await loadInventory(EXAMPLE);
    const playbook = await loadPlaybook(SITE, builtinModules);
    const planned = planPlays(inventory, playbook, options(extra));
    expect(planned.map((p) => p.hosts)).toEqual([
      ['s3lb01', 's3lb02', 's3lb03'],
      ['s3lb01', 's3lb02', 's3lb03'],
    ]);
    const magic = magicVars(inventory);
    for (const host of inventory.hosts.values()) {
      const ctx = stackContextFromVars({ ...magic, ...host.vars, ...extra, inventory_hostname: host.name });
      expect(ctx.haMode).toBe(_mode);
      expect(ctx.certs).toEqual([
        { src: '../files/example-s3.example.invalid.pem', dest: '/etc/haproxy/certs/example-s3.example.invalid.pem' },
      ]);
      expect(ctx.listFiles.map((f) => f.file)).toEqual(['/etc/haproxy/lists/internal.lst']);
      expect(ctx.packages).toContain(_mode === 'bgp' ? 'exabgp' : 'keepalived');
      expect(renderStackFiles(ctx).length).toBeGreaterThan(4);
    }
  });

  it('the whitelist content site.yml installs is what the whitelist template renders', async () => {
    const inventory = await loadInventory(EXAMPLE);
    const host = inventory.hosts.get('s3lb01');
    const ctx = stackContextFromVars({ ...magicVars(inventory), ...host?.vars, inventory_hostname: 's3lb01' });
    const list = ctx.whitelists[0];
    if (!list) throw new Error('no whitelist');
    const template = readFileSync(join(repoRoot, 'templates/whitelist.lst.hbs'), 'utf8');
    expect(whitelistContent(list)).toBe(
      createRenderer().renderTemplate(template, { ober: ctx, list }, { name: 'whitelist.lst.hbs' }),
    );
    expect(list.entries).toContain('192.168.10.30');
  });

  it('the example certificate referenced by the example inventory exists next to the playbook', () => {
    expect(readFileSync(join(repoRoot, 'playbooks', '../files/example-s3.example.invalid.pem'), 'utf8')).toContain(
      'BEGIN CERTIFICATE',
    );
  });
});

describe('deploy rejects values that would inject into a config (exit 2, file:line, no host contacted)', () => {
  // Port 1 on loopback: a connection attempt would fail as unreachable (exit 4), not as invalid input.
  const inventory = (vars: string): string => {
    const file = join(mkdtempSync(join(tmpdir(), 'ober-inject-')), 'inv.yml');
    writeFileSync(
      file,
      [
        'hosts:',
        '  lb01: { address: 127.0.0.1, port: 1, user: root }',
        'vars:',
        '  ha_mode: bgp',
        '  frontends: [{ port: 80 }]',
        '  bgp: { local_as: 65001, peer_as: 65000, neighbors: [10.99.0.1] }',
        vars,
        '',
      ].join('\n'),
    );
    return file;
  };

  it.each([
    [
      'a newline in a backend name',
      '  vips: [10.99.100.1]\n  backends: [{ name: "rgw\\n  server evil 6.6.6.6:80", servers: ["10.0.0.1:80"] }]',
      /inv\.yml:8:\d+ vars\.backends\[0\]\.name/,
    ],
    [
      'a VIP that is not an IP address',
      '  vips: ["10.99.100.1:443 ssl crt /etc/shadow"]\n  backends: [{ name: rgw, servers: ["10.0.0.1:80"] }]',
      /inv\.yml:7:\d+ vars\.vips\[0\]: expected an IPv4 address/,
    ],
  ])('%s', async (_what, vars, where) => {
    const file = inventory(vars);
    const r = await runCli(['deploy', '-i', file, '--reporter', 'plain']);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stderr).toMatch(where);
    expect(r.stdout).not.toMatch(/lb01 \|/); // no task ran
  });
});
