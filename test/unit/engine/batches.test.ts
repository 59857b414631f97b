import { describe, expect, it } from 'vitest';
import { toBatches } from '../../../src/engine/batches.js';
import { exitCodeFor } from '../../../src/cli/exit-codes.js';
import type { HostRecap } from '../../../src/engine/events.js';

const hosts = ['a', 'b', 'c', 'd', 'e'];

describe('toBatches', () => {
  it.each([
    [undefined, [['a', 'b', 'c', 'd', 'e']]],
    [1, [['a'], ['b'], ['c'], ['d'], ['e']]],
    [2, [['a', 'b'], ['c', 'd'], ['e']]],
    ['40%', [['a', 'b'], ['c', 'd'], ['e']]],
    ['25%', [['a', 'b'], ['c', 'd'], ['e']]],
    ['1%', [['a'], ['b'], ['c'], ['d'], ['e']]],
    [10, [['a', 'b', 'c', 'd', 'e']]],
  ])('serial %s', (serial, expected) => {
    expect(toBatches(hosts, serial)).toEqual(expected);
  });
});

const recap = (over: Partial<HostRecap>): HostRecap => ({
  host: 'h',
  ok: 1,
  changed: 0,
  unknown: 0,
  skipped: 0,
  failed: 0,
  unreachable: false,
  needs: [],
  ...over,
});

describe('exitCodeFor', () => {
  const run = (hosts: HostRecap[], interrupted = false) => ({ hosts, durationMs: 1, interrupted });
  it('is 0 when all went well', () =>
    expect(exitCodeFor(run([recap({})]), { check: false, detailedExitcode: false })).toBe(0));
  it('is 1 when a task failed, even if another host is unreachable', () =>
    expect(
      exitCodeFor(run([recap({ failed: 1 }), recap({ unreachable: true, failed: 1 })]), {
        check: false,
        detailedExitcode: false,
      }),
    ).toBe(1));
  it('is 4 when a host is unreachable and nothing else failed', () =>
    expect(
      exitCodeFor(run([recap({}), recap({ unreachable: true, failed: 1 })]), { check: false, detailedExitcode: false }),
    ).toBe(4));
  it('is 3 in check mode with --detailed-exitcode when changes were found', () => {
    expect(exitCodeFor(run([recap({ changed: 2 })]), { check: true, detailedExitcode: true })).toBe(3);
    expect(exitCodeFor(run([recap({ unknown: 1 })]), { check: true, detailedExitcode: true })).toBe(3);
    expect(exitCodeFor(run([recap({ changed: 2 })]), { check: true, detailedExitcode: false })).toBe(0);
  });
  it('is 130 when interrupted', () =>
    expect(exitCodeFor(run([recap({})], true), { check: false, detailedExitcode: false })).toBe(130));
});
