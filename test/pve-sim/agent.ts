// The QEMU guest agent of simulated VMs and the one agent endpoint ober-push reads:
// GET /nodes/{node}/qemu/{vmid}/agent/network-get-interfaces, with qemu-server's answer shape and errors
// (assert_agent_available: no `agent` key in the config, the VM not running, the agent not answering its ping).
import { isIP } from 'node:net';
import { hasPrivilege } from './auth.js';
import { SimHttpError, die, paramError } from './http-error.js';
import type { ApiRequest, SimState } from './state.js';

/** One interface as the guest reports it; the address family is derived from the address. */
export interface SimAgentInterface {
  name: string;
  mac?: string;
  addresses: Array<{ address: string; prefix: number }>;
}

export interface SimAgentSpec {
  /** The config's `agent` key: 1 (default) or 0. Leave `agent` out of the spec for a VM without one. */
  enabled?: boolean;
  /** The qemu-guest-agent daemon in the guest answers (default true). */
  running?: boolean;
  interfaces?: SimAgentInterface[];
}

/** Per-VM agent state, kept beside the VMs (the VM config only has the `agent` key). */
export class SimAgents {
  readonly #guests = new Map<number, { running: boolean; interfaces: SimAgentInterface[] }>();
  /** The privilege the agent endpoints check: PVE 9 has VM.GuestAgent.Audit; PVE 8 checked VM.Monitor. */
  privilege: 'VM.GuestAgent.Audit' | 'VM.Monitor' = 'VM.GuestAgent.Audit';

  set(vmid: number, spec: SimAgentSpec): void {
    this.#guests.set(vmid, { running: spec.running ?? true, interfaces: spec.interfaces ?? [] });
  }
  /** The daemon in the guest starts or stops answering. */
  setRunning(vmid: number, running: boolean): void {
    const guest = this.#guests.get(vmid);
    if (guest) guest.running = running;
    else this.#guests.set(vmid, { running, interfaces: [] });
  }
  get(vmid: number): { running: boolean; interfaces: SimAgentInterface[] } | undefined {
    return this.#guests.get(vmid);
  }
}

/** The simulator's agents (a SimState without them has no agent anywhere). */
export function agentsOf(state: SimState): SimAgents {
  const agents: unknown = 'agents' in state ? state.agents : undefined;
  return agents instanceof SimAgents ? agents : new SimAgents();
}

export function isAgentRoute(req: ApiRequest): boolean {
  const s = req.segments;
  return s[0] === 'nodes' && s[2] === 'qemu' && s[4] === 'agent';
}

/** Permission, then proxying to the node, then the handler's own checks (pveproxy's order). */
export function agentEndpoint(state: SimState, req: ApiRequest): unknown {
  const [, node = '', , vmid = '', , command] = req.segments;
  if (req.method !== 'GET' || command !== 'network-get-interfaces' || req.segments.length !== 6)
    throw new SimHttpError(501, `Method '${req.method} /${req.path}' not implemented`);
  const agents = agentsOf(state);
  if (!hasPrivilege(req.identity?.privileges ?? 'all', agents.privilege))
    throw new SimHttpError(403, `Permission check failed (/vms/${vmid}, ${agents.privilege})`);
  const n = state.nodes.get(node);
  if (!n)
    throw die(`hostname lookup '${node}' failed - failed to get address info for: ${node}: Name or service not known`);
  if (!n.online) throw new SimHttpError(595, 'No route to host', { body: 'empty' });
  if (!/^\d+$/.test(vmid)) throw paramError({ vmid: `type check ('integer') failed - got '${vmid}'` });
  const vm = state.vms.get(Number(vmid));
  if (!vm || vm.node !== node) throw die(`Configuration file 'nodes/${node}/qemu-server/${vmid}.conf' does not exist`);
  if (!vm.conf.has('agent')) throw die('No QEMU guest agent configured');
  if (vm.status !== 'running') throw die(`VM ${vmid} is not running`);
  const guest = agents.get(vm.vmid);
  // agent: 0 starts QEMU without the agent's channel: the ping fails as for a guest without the daemon.
  if (!agentEnabled(vm.conf.get('agent') ?? '') || !guest?.running) throw die('QEMU guest agent is not running');
  return { result: guest.interfaces.map(interfaceAnswer) };
}

/** `agent: 1`, `agent: enabled=1,fstrim_cloned_disks=1`, `agent: 0`. */
function agentEnabled(value: string): boolean {
  const first = value.split(',')[0] ?? '';
  const enabled = first.startsWith('enabled=') ? first.slice('enabled='.length) : first;
  return enabled === '1';
}

function interfaceAnswer(i: SimAgentInterface): Record<string, unknown> {
  return {
    name: i.name,
    'hardware-address': i.mac ?? (i.name === 'lo' ? '00:00:00:00:00:00' : 'bc:24:11:00:00:01'),
    'ip-addresses': i.addresses.map((a) => ({
      'ip-address': a.address,
      'ip-address-type': isIP(a.address) === 6 ? 'ipv6' : 'ipv4',
      prefix: a.prefix,
    })),
    statistics: { 'rx-bytes': 0, 'rx-packets': 0, 'tx-bytes': 0, 'tx-packets': 0, 'rx-errs': 0, 'tx-errs': 0 },
  };
}
