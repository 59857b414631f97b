// proxmox_vm: CPU type, balloon, NIC multiqueue, watchdog and onboot of a host's VM, through the Proxmox API.
import { defineModule } from '../../core/module.js';
import { proxmoxVmArgs, type ProxmoxVmArgs } from './args.js';
import { gatherFromContext, type ProxmoxVmFacts } from './gather.js';
import { planChanges } from './plan.js';

export const proxmoxVmModule = defineModule<ProxmoxVmArgs, ProxmoxVmFacts>({
  name: 'proxmox_vm',
  description:
    'VM hardware settings through the Proxmox API (cpu, balloon, NIC queues, watchdog, onboot), with pending/cold-restart impact',
  args: proxmoxVmArgs,
  apiOnly: true,
  gather: (ctx) => gatherFromContext(ctx),
  plan: (facts, args) => planChanges(facts, args),
  result: (facts) => ({
    vmid: facts.vmid,
    node: facts.node,
    status: facts.status.status,
    pending: facts.pending.map((p) => p.key),
  }),
});

export { proxmoxVmArgs, type ProxmoxVmArgs } from './args.js';
export { gatherVm, type ProxmoxVmFacts, type PendingItem } from './gather.js';
export { planChanges, planItems, plannedVcpus, COLD_RESTART_NEED, NIC_REPLUG_NEED, type PlanItem } from './plan.js';
export { canonicalValue, parseHotplug } from './canonical.js';
export { vmStatusRows, type VmStatusRow, type VmStatusInput } from './status.js';
