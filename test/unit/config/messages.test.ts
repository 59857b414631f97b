import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { describeValue } from '../../../src/config/describe-value.js';
import { closestMatch, editDistance } from '../../../src/config/did-you-mean.js';
import { displayPath } from '../../../src/config/display-path.js';
import { parseDuration } from '../../../src/config/duration.js';
import { formatKeyPath } from '../../../src/config/key-path.js';
import { parseYamlSource, sourceLocator } from '../../../src/config/yaml-source.js';
import { validate } from '../../../src/config/zod-issues.js';
import { formatIssue } from '../../../src/core/errors.js';

describe('helpers', () => {
  it.each([
    ['ssh', '"ssh"'],
    [22, '22'],
    [true, 'true'],
    [null, 'null'],
    [[1], 'a list'],
    [[], 'an empty list'],
    [{ a: 1 }, 'a mapping'],
    ['x'.repeat(70), `"${'x'.repeat(60)}..."`],
  ])('describeValue(%j) = %s', (value, shown) => {
    expect(describeValue(value)).toBe(shown);
  });

  it('suggests close names, counting a swap of neighbours as one edit', () => {
    expect(editDistance('prot', 'port')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(closestMatch('prot', ['address', 'port', 'user'])).toBe('port');
    expect(closestMatch('identityfile', ['identity_file', 'vars'])).toBe('identity_file');
    expect(closestMatch('zzzz', ['port'])).toBeNull();
    expect(closestMatch('b', ['a'])).toBeNull();
  });

  it.each([
    ['500ms', 500],
    ['60s', 60_000],
    ['2m', 120_000],
    ['1.5s', 1500],
    ['1h', 3_600_000],
    [5, 5000],
    [0.25, 250],
    ['60', null],
    ['60 seconds', null],
    [-1, null],
    [true, null],
  ])('parseDuration(%j) = %s', (value, ms) => {
    expect(parseDuration(value)).toBe(ms);
  });

  it('prints key paths and file paths', () => {
    expect(formatKeyPath(['hosts', 'lb01', 'port'])).toBe('hosts.lb01.port');
    expect(formatKeyPath([0, 'tasks', 2, 'copy'])).toBe('[0].tasks[2].copy');
    expect(formatKeyPath(['vars', 'a b'])).toBe('vars."a b"');
    expect(displayPath('/repo/inventory/lab.yml', '/repo')).toBe('inventory/lab.yml');
    expect(displayPath('/elsewhere/lab.yml', '/repo')).toBe('/elsewhere/lab.yml');
  });
});

describe('validate', () => {
  const schema = z.strictObject({
    port: z.int({ error: 'expected an integer 1-65535' }).min(1).max(65535),
    name: z.string(),
    mode: z.enum(['a', 'b']).optional(),
    list: z.array(z.string()).min(1).optional(),
    nested: z.strictObject({ address: z.string() }).optional(),
  });
  const check = (text: string) => {
    const source = parseYamlSource(text, 'lab.yml');
    return validate(schema, source.data, sourceLocator(source), 'hosts.lb01').issues.map(formatIssue);
  };

  it('words every issue itself and locates it', () => {
    expect(check('port: ssh\nname: 5\nmode: c\nlist: []\nnested: {adress: x}\n')).toEqual([
      'lab.yml:1:7 hosts.lb01.port: expected an integer 1-65535, got "ssh"',
      'lab.yml:2:7 hosts.lb01.name: expected a string, got 5',
      'lab.yml:3:7 hosts.lb01.mode: expected one of "a", "b", got "c"',
      'lab.yml:4:7 hosts.lb01.list: expected at least 1 item(s), got an empty list',
      'lab.yml:5:1 hosts.lb01.nested: missing required key "address"',
      'lab.yml:5:10 hosts.lb01.nested.adress: unknown key (did you mean "address"?)',
    ]);
  });

  it('reports a missing key at the parent and out-of-range numbers with the value', () => {
    expect(check('port: 70000\n')).toEqual([
      'lab.yml:1:1 hosts.lb01: missing required key "name"',
      'lab.yml:1:7 hosts.lb01.port: expected an integer 1-65535, got 70000',
    ]);
  });

  it('reports YAML syntax errors at their line', () => {
    const source = parseYamlSource('hosts:\n  lb01:\n    address: 10.0.0.11\n   port: 22\n', 'x.yml');
    expect(source.issues.map(formatIssue)).toEqual([
      'x.yml:4:1 invalid YAML: All mapping items must start at the same column',
    ]);
    expect(source.data).toBeUndefined();
  });
});
