// The resolved inventory: what the loader produces from YAML and everything else consumes.
import type { SourceLocation } from '../core/errors.js';
import type { ClusterSourceSpec } from './cluster-types.js';

/** Where a secret comes from. Resolved only when it is needed; never stored in clear in the inventory. */
export type SecretRef = { env: string } | { file: string };

export interface VmBinding {
  proxmox: string; // name of an entry under `proxmox:`
  node: string;
  vmid?: number;
  name?: string; // resolved through /cluster/resources when vmid is absent
}

export interface ProxmoxEndpoint {
  name: string;
  url: string; // https://host:8006
  tokenId: string; // user@realm!tokenid
  tokenSecret: SecretRef;
  fingerprint?: string; // SHA-256 of the node certificate, AA:BB:...
  caFile?: string;
  insecure: boolean;
  location: SourceLocation | null;
}

export interface Host {
  name: string;
  address: string;
  /** The inventory's port; unset: ssh_config's Port for the address, else 22. */
  port?: number;
  user?: string;
  identityFile?: string;
  vm?: VmBinding;
  /** Merged inventory variables: inventory `vars` < group vars (parents before children) < host vars. */
  vars: Record<string, unknown>;
  /** Every group the host belongs to, directly or through `children`, sorted; always includes "all". */
  groups: string[];
  location: SourceLocation | null;
  /** Set in an inventory with `proxmox_hosts:`: where the host and each of its values came from. */
  origins?: HostOrigins;
}

/** Where a value of the inventory came from: a file, a default, or the Proxmox API. */
export type ValueOrigin =
  | { from: 'file'; location: SourceLocation | null }
  | { from: 'default'; what: string }
  | { from: 'proxmox'; endpoint: string; via: 'cluster/resources' | 'agent'; detail: string };

export type HostField = 'address' | 'port' | 'user' | 'identity_file' | 'vm';

export interface HostOrigins {
  /** Where the host is defined: a `hosts:` entry, a cluster VM, or both (merged: the file's values win). */
  host: ValueOrigin[];
  fields: Partial<Record<HostField, ValueOrigin>>;
  /** The groups the host is a direct member of, and what made it one. */
  groups: Record<string, ValueOrigin>;
}

export interface Group {
  name: string;
  hosts: string[]; // direct members, expanded
  children: string[];
  vars: Record<string, unknown>;
  location: SourceLocation | null;
  /** Set for a group a `proxmox_hosts:` source made or added members to. */
  origins?: ValueOrigin[];
}

export interface Inventory {
  files: string[];
  /** In definition order. */
  hosts: Map<string, Host>;
  groups: Map<string, Group>;
  proxmox: Map<string, ProxmoxEndpoint>;
  /** The `routers:` section, in definition order: every rolling withdraw and announce is verified at each. */
  routers: RouterSpec[];
  vars: Record<string, unknown>;
  /** Where each variable was set, for errors about values: "<scope>/<var>" -> location (scope: "all", "group:NAME", "host:NAME"). */
  varLocations: Map<string, SourceLocation>;
  /** The `proxmox_hosts:` sources. Their hosts are in `hosts` only once the cluster was read (load.ts completeInventory). */
  clusterSources?: ClusterSourceSpec[];
  /** Top-level `ssh:` settings; paths are absolute (written relative to the inventory file). */
  ssh?: { configFile?: string; knownHostsFile?: string; connectTimeoutMs?: number };
}

/** A router of the `routers:` section: how to ask it which next hops carry a VIP (read-only). */
export interface RouterSpec {
  name: string;
  kind: 'bird' | 'frr' | 'linux' | 'command';
  /** Over SSH (strict host keys, like the nodes), or a command on this machine. */
  via: { ssh: { address: string; user?: string; port?: number } } | { local: true };
  sudo: boolean;
  socket?: string;
  command?: string;
  parse?: { regex: string } | { json_path: string };
  optional: boolean;
  location: SourceLocation | null;
}
