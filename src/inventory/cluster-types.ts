// Hosts read from a Proxmox cluster (`proxmox_hosts:`): what a source asks for and what the API answered, as plain
// data. src/proxmox reads the API into these types; src/inventory selects, picks addresses and merges.
import type { SourceLocation } from '../core/errors.js';

/** Which kinds of groups a source makes: tag_<tag>, pool_<pool>, node_<PVE node>. */
export type ClusterGroupKind = 'tag' | 'pool' | 'node';

/** Where a host's SSH address comes from: the QEMU guest agent, or a VM tag `ip-A.B.C.D`. */
export type AddressSource = 'agent' | 'tag';

/** One entry of `proxmox_hosts:`, validated. */
export interface ClusterSourceSpec {
  /** The key under `proxmox_hosts:`; also the group every host of the source is in. */
  name: string;
  /** An endpoint of `proxmox:`. */
  endpoint: string;
  /** Every non-empty list must match (AND); within a list any entry may (OR). */
  select: {
    tags: string[];
    pools: string[];
    nodes: string[];
    /** VM name globs (`*`, `?`), ranges already expanded. */
    names: string[];
  };
  groupBy: ClusterGroupKind[];
  address: {
    from: AddressSource[];
    /** Agent: only interfaces whose name matches this glob. */
    interface?: string;
    /** Agent: only addresses inside this network; its family is the family picked (default: IPv4). */
    cidr?: string;
  };
  /** A selected VM without an address: an error naming it (default), or skipped with a warning. */
  missingAddress: 'error' | 'skip';
  user?: string;
  port?: number;
  identityFile?: string;
  location: SourceLocation | null;
  /** Where the parts are written, for problems only the cluster's answer reveals. */
  locations: { select: SourceLocation | null; groupBy: SourceLocation | null; address: SourceLocation | null };
}

/** A guest of `GET /cluster/resources?type=vm`. */
export interface ClusterVm {
  vmid: number;
  type: 'qemu' | 'lxc';
  /** Missing while the node has not broadcast the guest's status yet. */
  name?: string;
  node: string;
  status: string;
  template: boolean;
  tags: string[];
  /** Only shown to a token with Pool.Audit on the pool. */
  pool?: string;
  hastate?: string;
}

export interface GuestAddress {
  address: string;
  family: 'ipv4' | 'ipv6';
  prefix: number;
}

/** One interface of the agent's `network-get-interfaces`. */
export interface GuestInterface {
  name: string;
  mac?: string;
  addresses: GuestAddress[];
}

/** What the guest agent said about a VM: its interfaces, or why there are none (agent absent, VM stopped, ...). */
export type AgentReading =
  { kind: 'interfaces'; interfaces: GuestInterface[] } | { kind: 'unavailable'; reason: string };

/** Everything one source needs from its endpoint: the VM list, the agent's answers, the pools the token sees. */
export interface ClusterListing {
  source: string;
  vms: ClusterVm[];
  /** By vmid, only for the VMs whose address needed the agent. */
  agent: ReadonlyMap<number, AgentReading>;
  /** `GET /pools`, read when the source selects by pool. */
  pools?: string[];
}
