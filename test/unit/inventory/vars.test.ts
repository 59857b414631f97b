import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, formatIssue } from '../../../src/core/errors.js';
import { loadInventory } from '../../../src/inventory/load.js';
import type { Inventory } from '../../../src/inventory/types.js';
import { mergeVars, parseExtraVars, validateHostVars } from '../../../src/inventory/vars.js';

let inv: Inventory;
beforeAll(async () => {
  inv = await loadInventory('test/fixtures/valid/precedence.yml');
});

describe('variable precedence', () => {
  it('host vars win over every group and over inventory vars', () => {
    expect(inv.hosts.get('h1')?.vars).toMatchObject({
      winner: 'host',
      from_all: 1,
      from_parent: 1,
      from_alpha: 1,
      from_beta: 1,
      from_host: 1,
    });
  });

  it('child groups win over their parent; siblings apply in name order (beta after alpha)', () => {
    expect(inv.hosts.get('h2')?.vars.winner).toBe('beta');
    expect(inv.hosts.get('h2')?.vars.from_host).toBeUndefined();
  });

  it('group vars win over inventory vars', () => {
    expect(inv.hosts.get('h3')?.vars).toEqual({
      winner: 'beta',
      from_all: 1,
      vip: '10.0.0.100',
      from_parent: 1,
      from_beta: 1,
    });
  });

  it('play vars and extra vars apply on top, replacing whole top-level values', () => {
    const host = inv.hosts.get('h1')?.vars ?? {};
    const play = { winner: 'play', nested: { a: 1, b: 2 } };
    const extra = parseExtraVars(['winner=extra', '{"nested": {"c": 3}}'], process.cwd());
    expect(mergeVars(host, play)).toMatchObject({ winner: 'play', from_host: 1 });
    expect(mergeVars(host, play, extra)).toMatchObject({ winner: 'extra', nested: { c: 3 } });
  });
});

describe('parseExtraVars', () => {
  it('reads key=value as strings, JSON objects and YAML files, later arguments winning', () => {
    expect(parseExtraVars(['port=8404', 'motd=a b=c'], '/')).toEqual({ port: '8404', motd: 'a b=c' });
    expect(parseExtraVars(['{"port": 8404, "on": true}'], '/')).toEqual({ port: 8404, on: true });
    expect(parseExtraVars(['@extra-vars.yml', 'winner=cli'], 'test/fixtures/valid')).toEqual({
      winner: 'cli',
      nested: { a: 1 },
    });
    expect(parseExtraVars(['winner=cli', '@test/fixtures/valid/extra-vars.yml'], process.cwd())).toMatchObject({
      winner: 'file',
    });
  });

  it('collects every bad argument', () => {
    try {
      parseExtraVars(['novalue', '{"a":', '[1]', 'ok=1'], '/');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const messages = (error as ConfigError).issues.map((i) => i.message);
      expect(messages[0]).toBe("-e 'novalue': expected key=value, @file.yml or a JSON object");
      expect(messages[1]).toMatch(/^-e '\{"a":': invalid JSON: /);
      expect(messages[2]).toBe("-e '[1]': expected key=value, @file.yml or a JSON object");
      expect(messages).toHaveLength(3);
    }
  });

  it('locates YAML errors in @file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ober-extra-'));
    writeFileSync(join(dir, 'bad.yml'), 'a: 1\nb: [1, 2\n');
    writeFileSync(join(dir, 'list.yml'), '- 1\n');
    expect(() => parseExtraVars(['@bad.yml'], dir)).toThrow(/bad\.yml:3:1 invalid YAML/);
    expect(() => parseExtraVars(['@list.yml'], dir)).toThrow(/list\.yml:1:1 expected a mapping of variables/);
    expect(() => parseExtraVars(['@missing.yml'], dir)).toThrow(/cannot read the file: ENOENT/);
  });
});

describe('validateHostVars', () => {
  const schema = z.object({
    vip: z.ipv4({ error: 'expected an IPv4 address' }),
    backend: z
      .string()
      .regex(/^[^\n]*$/, { error: 'expected one line' })
      .optional(),
  });

  it('points at the group that set the winning value', () => {
    const issues = validateHostVars(inv, 'h1', schema);
    expect(issues.map(formatIssue)).toEqual([
      'test/fixtures/valid/precedence.yml:22:47 groups.alpha.vars.vip: expected an IPv4 address, got "not-an-ip"',
    ]);
  });

  it('accepts a host whose winning value is valid', () => {
    expect(validateHostVars(inv, 'h3', schema)).toEqual([]);
  });

  it('points at an extra layer when it wins', () => {
    const location = { file: 'site.yml', line: 4, column: 11 };
    const issues = validateHostVars(inv, 'h3', schema, [
      { name: '[0].vars', vars: { backend: 'a\nserver evil' }, locate: () => location },
    ]);
    expect(issues).toEqual([
      { location, path: '[0].vars.backend', message: 'expected one line, got "a\\nserver evil"' },
    ]);
  });

  it('reports a missing variable at the host', () => {
    const issues = validateHostVars(inv, 'h2', z.object({ asn: z.int() }));
    expect(issues.map(formatIssue)).toEqual([
      'test/fixtures/valid/precedence.yml:11:3 hosts.h2.vars: missing required key "asn"',
    ]);
  });
});
