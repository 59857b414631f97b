import { describe, expect, it } from 'vitest';
import { evalExpr, ExprError, ExprSyntaxError, parseExpr, truthy } from '../../../src/playbook/expr.js';

const vars = {
  role: 'ingress',
  port: 8404,
  zero: 0,
  empty: '',
  list: [1, 'two', { three: 3 }],
  nested: { a: { b: 'deep' }, 'with-dash': true },
  result: { rc: 0, stdout: 'active (running)' },
  nothing: null,
};
const run = (text: string) => evalExpr(parseExpr(text), vars);

describe('evalExpr', () => {
  it.each([
    ["role == 'ingress'", true],
    ['role == "edge"', false],
    ['role != "edge"', true],
    ['port == 8404', true],
    ["port == '8404'", false],
    ['port > 8000 and port <= 8404', true],
    ['port < 80 or zero == 0', true],
    ["'a' < 'b'", true],
    ['-1 < zero', true],
    ['not zero', true],
    ['not not role', true],
    ["role in ['ingress', 'edge']", true],
    ["'two' in list", true],
    ['3 in list', false],
    ["'running' in result.stdout", true],
    ["'a' in nested", true],
    ["'x' not in nested", true],
    ['nested.a.b == "deep"', true],
    ["nested['with-dash']", true],
    ['list[2].three == 3', true],
    ["list[2]['three'] == 3", true],
    ['list.0 == 1', true],
    ['undefined_var is defined', false],
    ['undefined_var is undefined', true],
    ['role is defined', true],
    ['nested.a.zz is not defined', true],
    ['nothing is defined', true],
    ['nothing == null and nothing == None', true],
    ['undefined_var is defined and undefined_var > 1', false],
    ['role == "edge" or (port == 8404 and not empty)', true],
    ['[1, 2] == [1, 2]', true],
    ['result == {}', null],
  ])('%s', (text, expected) => {
    if (expected === null) {
      expect(() => run(text)).toThrow(ExprSyntaxError);
      return;
    }
    expect(truthy(run(text))).toBe(expected);
  });

  it('names an undefined variable at run time', () => {
    expect(() => run('missing == 1')).toThrow(new ExprError('undefined variable "missing"', 'missing'));
    expect(() => run("nested.a.c == 'x'")).toThrow('undefined variable "nested.a.c"');
    expect(() => run('list[7]')).toThrow('undefined variable "list[7]"');
  });

  it('does not reach prototype members', () => {
    expect(() => run('nested.constructor')).toThrow('undefined variable "nested.constructor"');
    expect(() => run("role['length']")).toThrow('undefined variable');
  });

  it('rejects comparisons of mismatched types', () => {
    expect(() => run("port < 'a'")).toThrow('cannot compare number < string');
    expect(() => run('1 in port')).toThrow('"in" needs a list, a string or a mapping');
  });
});

describe('parseExpr', () => {
  it.each([
    ['', 'empty condition', 0],
    ['role ==', 'unexpected end of condition', 7],
    ['role = 1', 'unexpected character "=" (use "==" to compare)', 5],
    ['a && b', 'unexpected character "&" (use "and" / "or")', 2],
    ['{{ x }}', 'unexpected character "{"', 0],
    ["'open", 'unterminated string', 0],
    ['(a == 1', 'expected ")", found end of condition', 7],
    ['a == 1 == 2', 'chained comparison', 7],
    ['1 is defined', '"is defined" applies to a variable', 2],
    ['a is empty', 'expected "defined" or "undefined" after "is"', 5],
    ['a b', 'unexpected "b"', 2],
    ['a.', 'expected a name after "."', 2],
  ])('%j fails with %s', (text, message, offset) => {
    try {
      parseExpr(text);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ExprSyntaxError);
      expect((error as ExprSyntaxError).message).toContain(message);
      expect((error as ExprSyntaxError).offset).toBe(offset);
    }
  });
});

describe('truthy', () => {
  it.each([
    [false, false],
    [null, false],
    [undefined, false],
    [0, false],
    ['', false],
    [[], false],
    [{}, false],
    [true, true],
    [1, true],
    ['false', true],
    [[0], true],
    [{ a: 1 }, true],
  ])('%j -> %s', (value, expected) => {
    expect(truthy(value)).toBe(expected);
  });
});
