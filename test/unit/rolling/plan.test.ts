import { describe, expect, it } from 'vitest';
import { NODE_STEPS, stepsFrom } from '../../../src/engine/rolling/phase.js';
import { newRunId, planSchedule } from '../../../src/engine/rolling/schedule.js';
import { drainModeFor, targetFromVars } from '../../../src/engine/rolling/target.js';
import { toBatches } from '../../../src/engine/batches.js';
import type { NeedKind } from '../../../src/core/module.js';

describe('planSchedule', () => {
  const hosts = ['lb01', 'lb02', 'lb03', 'lb04', 'lb05'];
  it('makes batches of serial N or N% and marks the VMs that need a cold restart', () => {
    const needs = new Map<string, NeedKind[]>([
      ['lb02', ['cold-restart']],
      ['lb05', ['nic-replug']],
      ['lb03', ['reboot']],
    ]);
    const s = planSchedule(toBatches(hosts, 2), needs);
    expect(s.map((b) => b.hosts)).toEqual([['lb01', 'lb02'], ['lb03', 'lb04'], ['lb05']]);
    expect(s.map((b) => b.coldRestarts)).toEqual([['lb02'], [], ['lb05']]);
    expect(s[0]?.steps).toEqual([
      'lock',
      'capacity',
      'withdraw',
      'drain',
      'work',
      'vm-cold-restart',
      'health',
      'announce',
      'settle',
      'unlock',
    ]);
    expect(s[1]?.steps).not.toContain('vm-cold-restart');
    expect(planSchedule(toBatches(hosts, '40%'), new Map()).map((b) => b.hosts.length)).toEqual([2, 2, 1]);
  });
  it('run ids sort by time and are safe in file names', () => {
    const id = newRunId(new Date('2025-03-04T05:06:07.890Z'), () => 0.5);
    expect(id).toBe('20250304T050607Z-7fff');
    expect(id).toMatch(/^[\w-]+$/);
  });
});

describe('stepsFrom (resume)', () => {
  it.each([
    ['pending', [...NODE_STEPS]],
    ['locked', [...NODE_STEPS].slice(1)],
    ['withdrawn', ['withdraw', 'drain', 'work', 'vm-cold-restart', 'health', 'announce', 'settle', 'unlock']],
    ['drained', ['withdraw', 'drain', 'work', 'vm-cold-restart', 'health', 'announce', 'settle', 'unlock']],
    ['worked', ['health', 'announce', 'settle', 'unlock']],
    ['healthy', ['announce', 'settle', 'unlock']],
    ['announced', ['unlock']],
  ] as const)('from %s', (phase, steps) => {
    expect(stepsFrom(phase)).toEqual(steps);
  });
  it('never re-checks capacity for a node that is already out of service', () => {
    for (const p of ['withdrawn', 'drained', 'worked', 'healthy'] as const)
      expect(stepsFrom(p)).not.toContain('capacity');
  });
});

describe('targets', () => {
  it('drain mode follows ha_mode unless the play says none', () => {
    expect(drainModeFor('bgp', 'keepalived')).toBe('vrrp');
    expect(drainModeFor('vrrp', 'bgp')).toBe('bgp');
    expect(drainModeFor('none', 'bgp')).toBe('none');
    expect(drainModeFor('bgp', undefined)).toBe('bgp');
  });
  it('asks the injected router lookup and falls back to defaults for a host without a stack', () => {
    const vars = { stats_port: 9000, vips: ['10.99.100.1'] };
    const edge = { name: 'edge1', optional: false, nextHops: () => Promise.resolve([]) };
    const t = targetFromVars('lb01', '10.99.0.11', vars, 'bgp', () => [edge]);
    expect(t).toMatchObject({ statsPort: 9000, vips: ['10.99.100.1'], mode: 'bgp' });
    expect(t.routers).toEqual([edge]);
    expect(t.paths.withdrawnFile).toBe('/var/lib/ober-push/withdrawn');
    expect(targetFromVars('lb01', '10.99.0.11', vars, 'bgp').routers).toEqual([]);
  });
  it('a stack that cannot be derived is an error, not the defaults', () => {
    const vars = { vips: ['10.99.100.1'], frontends: [{ port: 443 }], inventory_hostname: 'lb01' };
    expect(() => targetFromVars('lb01', '10.99.0.11', vars, 'bgp')).toThrow(/stack_group/);
  });
});
