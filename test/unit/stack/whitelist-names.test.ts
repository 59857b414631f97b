// Host names in whitelists: found in every layer with their line, resolved once on the workstation, written to the
// list file as a comment naming the host and its addresses; a name that does not resolve stops the command.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveRunNames, systemLookup } from '../../../src/cli/resolve-names.js';
import { ConfigError } from '../../../src/core/errors.js';
import { loadInventory } from '../../../src/inventory/load.js';
import { deriveStackContext, parseStackVars } from '../../../src/stack/context.js';
import { isWhitelistHostName, resolveWhitelistNames } from '../../../src/stack/whitelist-names.js';
import { bgpVars, hosts } from './fixtures.js';

const listVars = (entries: string[]) => ({
  ...bgpVars,
  whitelists: { admins: entries },
  frontends: [{ port: 80, allow: ['admins'] }],
});

describe('whitelist host names', () => {
  it('tells names from addresses, CIDRs and ranges', () => {
    expect(['admin.example.org', 'localhost', 'rgw-1'].every(isWhitelistHostName)).toBe(true);
    expect(['10.0.0.1', '10.0.0.0/8', '10.0.1.[10-20]', '-rf', 'a b', 'a;b'].some(isWhitelistHostName)).toBe(false);
    expect(parseStackVars(listVars(['admin.example.org', '10.0.0.0/8'])).whitelists.admins).toHaveLength(2);
  });

  it('writes each name as a comment and its sorted addresses; the diff shows what the name became', () => {
    const all = hosts(1);
    const names = { 'admin.example.org': ['10.1.0.9', '10.1.0.10'] };
    const ctx = deriveStackContext(
      { ...listVars(['admin.example.org', '10.0.0.0/8']), resolved_names: names },
      all[0]!,
      all,
    );
    expect(ctx.listFiles[0]?.content.split('\n')).toEqual([
      '# Managed by ober-push: whitelist "admins", used by frontends that allow it.',
      '# admin.example.org: 10.1.0.9 10.1.0.10',
      '10.1.0.9',
      '10.1.0.10',
      '10.0.0.0/8',
      '',
    ]);
  });

  it('refuses to derive a list whose name was not resolved (an engine caller that skipped resolution)', () => {
    const all = hosts(1);
    expect(() => deriveStackContext({ ...listVars(['admin.example.org']), resolved_names: {} }, all[0]!, all)).toThrow(
      /host name "admin.example.org" was not resolved/,
    );
    // A command that writes no list (status) derives without resolving, and says so in the content.
    expect(deriveStackContext(listVars(['admin.example.org']), all[0]!, all).whitelists[0]?.entries).toEqual([
      '# admin.example.org: not resolved by this command',
    ]);
  });

  it('resolves each name once and sorts numerically', async () => {
    const asked: string[] = [];
    const names = await resolveWhitelistNames(
      [
        { name: 'a.example', layer: 'vars', path: ['whitelists', 'x', 0], location: null },
        { name: 'a.example', layer: '-e', path: ['whitelists', 'y', 0], location: null },
      ],
      (n) => (asked.push(n), Promise.resolve(['10.0.0.10', '10.0.0.9', '10.0.0.10'])),
    );
    expect(asked).toEqual(['a.example']);
    expect(names).toEqual({ 'a.example': ['10.0.0.9', '10.0.0.10'] });
  });

  it('a name that does not resolve is a ConfigError at its file:line, in every layer that names it', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ober-names-')), 'inventory.yml');
    writeFileSync(
      file,
      `
hosts:
  lb01: { address: 127.0.0.1 }
vars:
  whitelists:
    admins: [10.0.0.0/8, no-such-host.invalid]
`,
    );
    const inventory = await loadInventory(file);
    const error = await resolveRunNames(inventory, null, { whitelists: { x: ['no-such-host.invalid'] } }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    const issues = (error as ConfigError).issues;
    expect(issues.map((i) => [i.path, i.location?.line ?? null])).toEqual([
      ['vars.whitelists.admins[1]', 6],
      ['-e.whitelists.x[0]', null],
    ]);
    expect(issues[0]?.message).toMatch(/^host name "no-such-host.invalid" does not resolve on this workstation: /);
  });

  it('a lookup that never answers fails within its timeout', async () => {
    const use = { name: 'slow.example', layer: 'vars', path: ['whitelists', 'x', 0], location: null };
    await expect(resolveWhitelistNames([use], () => new Promise(() => undefined), 50)).rejects.toThrow(
      /no answer within 50 ms/,
    );
  });

  it('the system resolver answers from /etc/hosts', async () => {
    expect(await systemLookup('localhost')).toContain('127.0.0.1');
  });
});
