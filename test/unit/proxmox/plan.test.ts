import { describe, expect, test } from 'vitest';
import { proxmoxVmArgs, type ProxmoxVmArgs } from '../../../src/modules/proxmox-vm/args.js';
import type { PendingItem, ProxmoxVmFacts } from '../../../src/modules/proxmox-vm/gather.js';
import { planChanges, planItems } from '../../../src/modules/proxmox-vm/plan.js';
import { vmStatusRows } from '../../../src/modules/proxmox-vm/status.js';

const NET0 = 'virtio=BC:24:11:2A:3B:4C,bridge=vmbr0,firewall=1,tag=42';
const DIGEST = 'a'.repeat(40);

function facts(
  over: { status?: string; config?: Record<string, unknown>; pending?: PendingItem[] } = {},
): ProxmoxVmFacts {
  const current: Record<string, unknown> = {
    cpu: 'kvm64',
    cores: 2,
    sockets: 2,
    memory: '4096',
    net0: NET0,
    digest: DIGEST,
    ...over.config,
  };
  const merged: Record<string, unknown> = { ...current };
  for (const p of over.pending ?? []) {
    if (p.delete) delete merged[p.key];
    else merged[p.key] = p.pending;
  }
  return {
    proxmox: 'lab',
    node: 'pve1',
    vmid: 100,
    config: merged,
    current,
    pending: over.pending ?? [],
    status: { status: over.status ?? 'running', haManaged: false },
    digest: DIGEST,
  };
}

const args = (a: Record<string, unknown>): ProxmoxVmArgs => proxmoxVmArgs.parse(a);
const ALL = {
  cpu: 'host',
  balloon: 0,
  net: { index: 0, queues: 'auto' },
  watchdog: { model: 'i6300esb', action: 'reset' },
  onboot: true,
};

describe('planItems', () => {
  test.each<[string, Parameters<typeof facts>[0], Record<string, unknown>, Array<[string, string, string]>]>([
    ['running: cpu pending', {}, { cpu: 'host' }, [['cpu', 'write', 'pending']]],
    [
      'running: cores and sockets pending',
      {},
      { cores: 4, sockets: 1 },
      [
        ['cores', 'write', 'pending'],
        ['sockets', 'write', 'pending'],
      ],
    ],
    ['running: watchdog pending', {}, { watchdog: { action: 'reset' } }, [['watchdog', 'write', 'pending']]],
    ['running: onboot live', {}, { onboot: true }, [['onboot', 'write', 'live']]],
    [
      'running: balloon retarget live',
      { config: { balloon: 1024 } },
      { balloon: 2048 },
      [['balloon', 'write', 'live']],
    ],
    [
      'running: balloon disable is a toggle (pending)',
      { config: { balloon: 1024 } },
      { balloon: 0 },
      [['balloon', 'write', 'pending']],
    ],
    [
      'running: balloon enable is a toggle (pending)',
      { config: { balloon: 0 } },
      { balloon: 1024 },
      [['balloon', 'write', 'pending']],
    ],
    [
      'running + network hotplug: queues refused by default',
      {},
      { net: { queues: 'auto' } },
      [['net0', 'refused', 'nic-replug']],
    ],
    [
      'running + network hotplug: queues allowed',
      {},
      { net: { queues: 'auto' }, nic_replug: 'allow' },
      [['net0', 'write', 'nic-replug']],
    ],
    [
      'running + network hotplug + a cold restart due anyway: the NIC rides on it, even when allowed live',
      {},
      { cpu: 'host', net: { queues: 'auto' }, nic_replug: 'allow' },
      [
        ['cpu', 'write', 'pending'],
        ['net0', 'at-cold-restart', 'cold-restart'],
      ],
    ],
    [
      'running + network hotplug + cores already pending: the NIC rides on that cold restart',
      { pending: [{ key: 'cores', value: 2, pending: 4 }] },
      { cores: 4, net: { queues: 'auto' } },
      [
        ['cores', 'already-pending', 'pending'],
        ['net0', 'at-cold-restart', 'cold-restart'],
      ],
    ],
    [
      'running without network hotplug: queues pending',
      { config: { hotplug: 'disk,usb' } },
      { net: { queues: 4 } },
      [['net0', 'write', 'pending']],
    ],
    [
      'running + hotplug=0: model pending',
      { config: { hotplug: '0' } },
      { net: { model: 'e1000' } },
      [['net0', 'write', 'pending']],
    ],
    [
      'stopped: everything live',
      { status: 'stopped' },
      ALL,
      [
        ['cpu', 'write', 'live'],
        ['balloon', 'write', 'live'],
        ['onboot', 'write', 'live'],
        ['watchdog', 'write', 'live'],
        ['net0', 'write', 'live'],
      ],
    ],
    [
      'already right: nothing',
      { config: { cpu: 'host', onboot: 1, watchdog: 'i6300esb,action=reset', balloon: 0, net0: `${NET0},queues=4` } },
      ALL,
      [],
    ],
    [
      'already right in other spellings',
      { config: { cpu: 'cputype=host', onboot: 1, watchdog: 'action=reset,model=i6300esb' } },
      { cpu: 'host', onboot: true, watchdog: { action: 'reset' } },
      [],
    ],
    [
      'cpu already pending',
      { pending: [{ key: 'cpu', value: 'kvm64', pending: 'host' }] },
      { cpu: 'host' },
      [['cpu', 'already-pending', 'pending']],
    ],
    [
      'other value pending: planned again',
      { pending: [{ key: 'cpu', value: 'kvm64', pending: 'max' }] },
      { cpu: 'host' },
      [['cpu', 'write', 'pending']],
    ],
    [
      'live value right but other pending: write drops it',
      { config: { cpu: 'host' }, pending: [{ key: 'cpu', value: 'host', pending: 'max' }] },
      { cpu: 'host' },
      [['cpu', 'write', 'live']],
    ],
    [
      'net queues pending (no network hotplug)',
      { config: { hotplug: 'disk' }, pending: [{ key: 'net0', value: NET0, pending: `${NET0},queues=4` }] },
      { net: { queues: 'auto' } },
      [['net0', 'already-pending', 'pending']],
    ],
    [
      'stopped with pending equal to desired: nothing',
      { status: 'stopped', pending: [{ key: 'cpu', value: 'kvm64', pending: 'host' }] },
      { cpu: 'host' },
      [],
    ],
  ])('%s', (_name, f, a, want) => {
    const items = planItems(facts(f), args(a));
    expect(items.map((i) => [i.key, i.kind, i.impact])).toEqual(want);
  });

  test('pending items need a cold restart; live ones need nothing', () => {
    const items = planItems(facts(), args({ cpu: 'host', onboot: true, net: { queues: 'auto' } }));
    expect(items.find((i) => i.key === 'cpu')?.needs).toEqual([{ kind: 'cold-restart' }]);
    expect(items.find((i) => i.key === 'onboot')?.needs).toEqual([]);
    // The NIC rides on the cold restart: its need says what to write while the VM is stopped.
    expect(items.find((i) => i.key === 'net0')?.needs).toEqual([
      { kind: 'nic-replug', write: { key: 'net0', from: NET0, to: `${NET0.replace(',tag=42', ',queues=4,tag=42')}` } },
    ]);
    // Refused on its own, the need carries the same write, for the cold restart a rolling play makes.
    const alone = planItems(facts(), args({ net: { queues: 'auto' } }));
    expect(alone.map((i) => [i.kind, i.needs])).toEqual([
      [
        'refused',
        [{ kind: 'nic-replug', write: { key: 'net0', from: NET0, to: expect.stringContaining('queues=4') } }],
      ],
    ]);
  });

  test('queues auto = planned sockets × cores, capped at 64', () => {
    const q = (f: Parameters<typeof facts>[0], a: Record<string, unknown>): string | undefined =>
      planItems(facts({ status: 'stopped', ...f }), args({ net: { queues: 'auto' }, ...a }))
        .find((i) => i.key === 'net0')
        ?.after.match(/queues=(\d+)/)?.[1];
    expect(q({}, {})).toBe('4');
    expect(q({}, { cores: 8 })).toBe('16');
    expect(q({ config: { cores: 48, sockets: 2 } }, {})).toBe('64');
    expect(q({ pending: [{ key: 'cores', value: 2, pending: 6 }] }, {})).toBe('12'); // after the cold restart
    expect(q({ config: { cores: 1, sockets: 1 } }, {})).toBeUndefined(); // single vCPU: leave the NIC alone
  });

  test('the NIC keeps MAC, bridge, tag, firewall and other options', () => {
    const net0 = 'virtio=BC:24:11:2A:3B:4C,bridge=vmbr0,firewall=1,mtu=9000,rate=12.5,tag=42,trunks=10;20';
    const [item] = planItems(facts({ status: 'stopped', config: { net0 } }), args({ net: { queues: 8 } }));
    expect(item?.after).toBe(
      'virtio=BC:24:11:2A:3B:4C,bridge=vmbr0,firewall=1,mtu=9000,queues=8,rate=12.5,tag=42,trunks=10;20',
    );
  });

  test('an explicit vcpus sets queues auto, and a vcpus above sockets × cores is refused', () => {
    const q = (config: Record<string, unknown>, a: Record<string, unknown> = {}) =>
      planItems(facts({ status: 'stopped', config }), args({ net: { queues: 'auto' }, ...a }))
        .find((i) => i.key === 'net0')
        ?.after.match(/queues=(\d+)/)?.[1];
    expect(q({ cores: 8, sockets: 1, vcpus: 3 })).toBe('3');
    expect(q({ cores: 8, sockets: 1, vcpus: 0 })).toBe('8'); // 0: all of them
    expect(() => q({ cores: 8, sockets: 1, vcpus: 6 }, { cores: 4 })).toThrow(
      'has vcpus=6, more than sockets × cores = 4 after this plan',
    );
  });

  test('queues on a non-virtio NIC are refused, unless the same plan makes it virtio', () => {
    const e1000 = 'e1000=BC:24:11:2A:3B:4C,bridge=vmbr0';
    expect(() =>
      planItems(facts({ status: 'stopped', config: { net0: e1000 } }), args({ net: { queues: 4 } })),
    ).toThrow('queues apply to virtio NICs only, and net0 of VM 100 is e1000');
    const [item] = planItems(
      facts({ status: 'stopped', config: { net0: e1000 } }),
      args({ net: { model: 'virtio', queues: 4 } }),
    );
    expect(item?.after).toBe('virtio=BC:24:11:2A:3B:4C,bridge=vmbr0,queues=4');
  });

  test('a running VM hot-plugs by its current hotplug setting, not a pending one', () => {
    const pendingHotplug = {
      config: { hotplug: 'disk,usb' },
      pending: [{ key: 'hotplug', value: 'disk,usb', pending: 'network,disk,usb' }],
    };
    expect(
      planItems(facts(pendingHotplug), args({ net: { queues: 4 }, nic_replug: 'allow' })).map((i) => i.impact),
    ).toEqual(['pending']);
  });

  test('a balloon above the memory is refused before anything is written', () => {
    expect(() => planItems(facts({ config: { memory: '4096' } }), args({ balloon: 8192 }))).toThrow(
      "balloon 8192 MiB is more than VM 100's memory (4096 MiB)",
    );
    expect(planItems(facts({ config: { memory: 'current=8192' } }), args({ balloon: 8192 })).map((i) => i.key)).toEqual(
      ['balloon'],
    );
  });

  test('a missing NIC is an error, not a new NIC', () => {
    expect(() => planItems(facts({ config: { net0: undefined } }), args({ net: { index: 1, queues: 2 } }))).toThrow(
      /has no net1/,
    );
  });
});

describe('planChanges', () => {
  test('never writes without a digest (Proxmox would skip its concurrent-change check)', () => {
    expect(() => planChanges({ ...facts(), digest: '' }, args({ cpu: 'host' }))).toThrow(
      'config came without a digest; refusing an unguarded write',
    );
    expect(planChanges({ ...facts({ config: { cpu: 'host' } }), digest: '' }, args({ cpu: 'host' }))).toEqual([]);
  });

  test('one config write with every key and the digest, on the first change; the NIC rides on the cold restart', () => {
    const changes = planChanges(facts(), args({ ...ALL, nic_replug: 'allow' }));
    const ops = changes.flatMap((c) => c.ops);
    expect(ops).toEqual([
      {
        kind: 'pve',
        method: 'POST',
        path: '/nodes/pve1/qemu/100/config',
        waitTask: true,
        body: {
          cpu: 'host',
          balloon: 0,
          onboot: 1,
          watchdog: 'model=i6300esb,action=reset',
          digest: DIGEST,
        },
      },
    ]);
    expect(changes[0]?.ops).toHaveLength(1);
    expect(changes.map((c) => c.summary)).toEqual([
      'cpu: kvm64 → host (pending until cold restart)',
      'balloon: (unset) → 0 (pending until cold restart)',
      'onboot: (unset) → 1',
      'watchdog: (unset) → model=i6300esb,action=reset (pending until cold restart)',
      'net0: queues (unset) → 4 (written while VM 100 is stopped at its cold restart: no live re-plug)',
    ]);
    expect(changes[0]?.diff).toEqual({
      path: 'pve://lab/pve1/qemu/100/config#cpu',
      before: 'cpu: kvm64\n',
      after: 'cpu: host\n',
    });
    expect(changes[0]?.needs).toEqual([{ kind: 'cold-restart' }]);
    expect(changes[4]).toMatchObject({
      impact: 'cold-restart',
      ops: [],
      needs: [{ kind: 'nic-replug', write: { key: 'net0', from: NET0, to: expect.stringContaining('queues=4') } }],
    });
  });

  test('a NIC change alone, allowed: one config write that re-plugs it live', () => {
    const changes = planChanges(facts(), args({ net: { queues: 'auto' }, nic_replug: 'allow' }));
    expect(changes.map((c) => [c.summary, c.impact, c.ops.length])).toEqual([
      ['net0: queues (unset) → 4 (NIC re-plugged live: the link drops briefly)', 'nic-replug', 1],
    ]);
    expect(changes[0]?.ops[0]).toMatchObject({ kind: 'pve', body: { net0: expect.stringContaining('queues=4') } });
  });

  test('refused NIC change writes nothing for the NIC (alone, or beside a pending cpu)', () => {
    const changes = planChanges(facts(), args({ cpu: 'host', net: { queues: 'auto' } }));
    const body = changes.flatMap((c) => c.ops).map((o) => (o.kind === 'pve' ? o.body : {}))[0];
    expect(body).toEqual({ cpu: 'host', digest: DIGEST });
    expect(changes.find((c) => c.summary.startsWith('net0'))?.ops).toEqual([]);
    const alone = planChanges(facts(), args({ net: { queues: 'auto' } }));
    expect(alone.map((c) => [c.summary, c.ops])).toEqual([
      ['net0: queues (unset) → 4 needs a drained window (NIC re-plug on running VM 100; nic_replug: refuse)', []],
    ]);
  });

  test('already pending: shown, no ops, needs a cold restart', () => {
    const changes = planChanges(
      facts({ pending: [{ key: 'cpu', value: 'kvm64', pending: 'host' }] }),
      args({ cpu: 'host' }),
    );
    expect(changes).toEqual([
      expect.objectContaining({
        summary: 'already pending: cpu=host (cold restart required)',
        ops: [],
        needs: [{ kind: 'cold-restart' }],
        impact: 'pending',
      }),
    ]);
  });

  test('nothing to do: no changes', () => {
    expect(planChanges(facts({ config: { cpu: 'host' } }), args({ cpu: 'host' }))).toEqual([]);
  });

  test('cold_restart: now adds a cold restart through the VM API after the write and drops the deferred need', () => {
    const changes = planChanges(facts(), args({ cpu: 'host', cold_restart: 'now', shutdown_timeout: 60 }));
    expect(changes).toHaveLength(2);
    expect(changes[0]?.needs).toBeUndefined();
    expect(changes[1]?.impact).toBe('cold-restart');
    expect(changes[1]?.ops).toEqual([
      { kind: 'vm-cold-restart', options: { writeWhileStopped: [], shutdownTimeoutS: 60 } },
    ]);
  });

  test('cold_restart: now with a NIC change: the NIC is written by the cold restart, between shutdown and start', () => {
    const changes = planChanges(facts(), args({ cpu: 'host', net: { queues: 'auto' }, cold_restart: 'now' }));
    const to = `${NET0.replace(',tag=42', ',queues=4,tag=42')}`;
    expect(changes.map((c) => [c.summary, c.impact, c.needs ?? []])).toEqual([
      ['cpu: kvm64 → host (pending until cold restart)', 'pending', []],
      [
        'net0: queues (unset) → 4 (written while VM 100 is stopped by the cold restart below: no live re-plug)',
        'cold-restart',
        [],
      ],
      [
        'cold restart VM 100 on pve1 now (shutdown, write net0, then start; applies pending changes)',
        'cold-restart',
        [],
      ],
    ]);
    // The config write carries no net0: nothing re-plugs the running NIC.
    expect(changes[0]?.ops).toEqual([expect.objectContaining({ body: { cpu: 'host', digest: DIGEST } })]);
    expect(changes[2]?.ops).toEqual([
      {
        kind: 'vm-cold-restart',
        options: { writeWhileStopped: [{ key: 'net0', from: NET0, to }], shutdownTimeoutS: 180 },
      },
    ]);
  });

  test('stopped VM: no cold restart even with cold_restart: now', () => {
    const changes = planChanges(facts({ status: 'stopped' }), args({ cpu: 'host', cold_restart: 'now' }));
    expect(changes.map((c) => c.impact)).toEqual(['live']);
  });
});

test('args: unknown keys and out-of-range values are rejected at load time', () => {
  expect(proxmoxVmArgs.safeParse({ cpu: 'host', cpus: 2 }).success).toBe(false);
  expect(proxmoxVmArgs.safeParse({ net: { queues: 65 } }).success).toBe(false);
  expect(proxmoxVmArgs.safeParse({ watchdog: { model: 'x' } }).success).toBe(false);
  expect(proxmoxVmArgs.parse({})).toEqual({ cold_restart: 'defer', nic_replug: 'refuse', shutdown_timeout: 180 });
});

test('vm status rows', () => {
  const f = facts({
    config: { watchdog: 'i6300esb,action=reset', balloon: 0, net0: `${NET0},queues=2` },
    pending: [
      { key: 'cpu', value: 'kvm64', pending: 'host' },
      { key: 'onboot', delete: 1 },
    ],
  });
  const [row] = vmStatusRows([
    { host: 'lb01', facts: f, args: args({ cpu: 'host', cores: 4, net: { queues: 'auto' } }) },
  ]);
  expect(row).toEqual({
    host: 'lb01',
    node: 'pve1',
    vmid: 100,
    status: 'running',
    cpu: 'kvm64',
    cores: 2,
    sockets: 2,
    queues: 2,
    watchdog: 'i6300esb,action=reset',
    balloon: 0,
    pending: ['-onboot', 'cpu=host'],
    drift: ['cores', 'net0'],
  });
});
