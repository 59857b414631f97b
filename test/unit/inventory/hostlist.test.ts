import { describe, expect, it } from 'vitest';
import { expandHostlist, HostRangeError, isAddressRange } from '../../../src/inventory/hostlist.js';

describe('expandHostlist', () => {
  it.each([
    ['lb01', ['lb01']],
    ['lb[01-03]', ['lb01', 'lb02', 'lb03']],
    ['lb[1-3]', ['lb1', 'lb2', 'lb3']],
    ['lb[08-10]', ['lb08', 'lb09', 'lb10']],
    ['rgw[1-2,5].internal', ['rgw1.internal', 'rgw2.internal', 'rgw5.internal']],
    ['r[1-2]n[01-02]', ['r1n01', 'r1n02', 'r2n01', 'r2n02']],
    ['10.0.0.1[1-3]', ['10.0.0.11', '10.0.0.12', '10.0.0.13']],
    ['x[7]', ['x7']],
  ])('%s', (pattern, names) => {
    expect(expandHostlist(pattern)).toEqual(names);
  });

  it.each([
    ['lb[03-01]', 'runs backwards'],
    ['lb[01-03', '"[" without "]"'],
    ['lb01-03]', '"]" without "["'],
    ['lb[]', 'empty brackets'],
    ['lb[a-c]', 'is not a number'],
    ['lb[[1-2]]', 'nested'],
    ['lb[1-20000]', 'more than 10000'],
  ])('rejects %s', (pattern, reason) => {
    expect(() => expandHostlist(pattern)).toThrow(HostRangeError);
    expect(() => expandHostlist(pattern)).toThrow(reason);
  });

  it('tells address ranges from IPv6 literals', () => {
    expect(isAddressRange('10.0.0.1[1-3]')).toBe(true);
    expect(isAddressRange('[2001:db8::1]')).toBe(false);
    expect(isAddressRange('10.0.0.11')).toBe(false);
  });
});
