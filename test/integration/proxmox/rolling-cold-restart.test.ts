// The rolling engine's vm-cold-restart step against the simulator: a NIC change proxmox_vm refused on the serving VM
// (nic_replug: refuse) reaches the step in the session's nic-replug need, and the step's cold restart writes it while
// the VM is stopped: applied, no live re-plug.
import { afterEach, expect, test } from 'vitest';
import type { Need, NeedKind } from '../../../src/core/module.js';
import type { NodeRunnerDeps } from '../../../src/engine/rolling/node-runner-deps.js';
import { coldRestartStep } from '../../../src/engine/rolling/node-work.js';
import { proxmoxVmArgs } from '../../../src/modules/proxmox-vm/args.js';
import { proxmoxVmModule } from '../../../src/modules/proxmox-vm/index.js';
import { createVmResolver } from '../../../src/proxmox/resolver.js';
import type { PveVmApi } from '../../../src/proxmox/vm-api.js';
import type { PveSim } from '../../pve-sim/index.js';
import { FAST, NET0, apiContext, baseConfig, endpointFor, inventoryFor, startSim } from './helpers.js';

let sim: PveSim | undefined;
afterEach(() => sim?.close());

/** The parts of a node's deps the step reads: the session's needs and VM, and a probe whose boot id a start changes. */
function stepDeps(s: PveSim, api: PveVmApi, needs: Map<NeedKind, Need>): NodeRunnerDeps {
  const bootId = () => `boot-${s.events.filter((e) => e.type === 'power' && e.action === 'start').length}`;
  const deps = {
    session: {
      needs,
      vm: () => Promise.resolve(api),
      meetNeed: (kind: NeedKind) => needs.delete(kind),
    },
    ops: { target: { name: 'lb01' }, probe: () => Promise.resolve({ bootId: bootId() }) },
    timeouts: { healthMs: 1000, verifyMs: 1000, reconnectMs: 5000 },
    ctx: { options: {} },
  };
  return deps as unknown as NodeRunnerDeps;
}

test('the refused NIC change is written by the vm-cold-restart step while the VM is stopped', async () => {
  const s = await startSim();
  sim = s;
  s.addVm({ vmid: 100, node: 'pve1', config: baseConfig() });
  const api = await createVmResolver(
    inventoryFor(endpointFor(s), { lb01: { proxmox: 'lab', node: 'pve1', vmid: 100 } }),
    FAST,
  ).forHost('lb01');
  if (!api) throw new Error('no api');
  // The work step: proxmox_vm plans the NIC (refused: it would re-plug the serving NIC) and writes nothing for it.
  const args = proxmoxVmArgs.parse({ net: { queues: 'auto' } });
  const changes = proxmoxVmModule.plan(await proxmoxVmModule.gather(apiContext('lb01', api), args), args);
  expect(changes.flatMap((c) => c.ops)).toEqual([]);
  const needs = new Map<NeedKind, Need>(changes.flatMap((c) => c.needs ?? []).map((n) => [n.kind, n]));
  expect([...needs.keys()]).toEqual(['nic-replug']);

  const outcome = await coldRestartStep(stepDeps(s, api, needs));
  expect(outcome.status).toBe('ok');
  expect(outcome.detail).toMatch(
    /^VM 100 on pve1 stopped and started; net0 written while it was stopped \(no live re-plug\); SSH back after \d+ ms$/,
  );
  const vm = s.vm(100);
  expect([vm.conf.get('net0'), vm.pending.size, vm.status]).toEqual([
    NET0.replace(',tag=42', ',queues=4,tag=42'),
    0,
    'running',
  ]);
  expect(s.events.filter((e) => e.type === 'nic-replug')).toEqual([]);
  expect(needs.size).toBe(0);
  // Planning again finds the NIC as wanted.
  expect(proxmoxVmModule.plan(await proxmoxVmModule.gather(apiContext('lb01', api), args), args)).toEqual([]);
});
