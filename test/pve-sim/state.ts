// What the simulated handlers work on.
import type { Identity, SimAuth } from './auth.js';
import type { SimTasks } from './tasks.js';
import type { SimEvent, SimVm } from './vm.js';

export interface SimDelays {
  /** qmconfig task (POST config). */
  config: number;
  start: number;
  stop: number;
  shutdown: number;
  /** hastart/hastop tasks themselves. */
  haTask: number;
  /** From an HA request to the VM actually changing state (the LRM loop). */
  haAction: number;
  /** reboot: from the reboot task ending to the VM running again. */
  rebootRestart: number;
  /** A guest that ignores ACPI: how long the shutdown waits before its timeout. */
  shutdownTimeout: number;
}

/** What the hardware a VM starts with means to the machine behind it. */
export interface SimHardware {
  sockets: number;
  cores: number;
}

/**
 * Real machines behind simulated VMs (the lab maps VMs to its hosts). Each resolves when the machine is in the
 * new state; the task that asked ends only then, as a real qmstart ends once QEMU runs.
 */
export interface SimMachines {
  /** Power on with the hardware the VM starts with (pending changes already applied). */
  start(vmid: number, hardware: SimHardware): Promise<void>;
  /** ACPI power-down: the guest shuts down cleanly. */
  shutdown(vmid: number): Promise<void>;
  /** Kill the machine at once (qmstop). */
  stop(vmid: number): Promise<void>;
}

export interface SimState {
  readonly entryNode: string;
  /** Each PVE node: reachable or not, and its CPU count (a VM with more vCPUs does not start there). */
  readonly nodes: Map<string, { online: boolean; cpus: number }>;
  readonly vms: Map<number, SimVm>;
  readonly tasks: SimTasks;
  readonly auth: SimAuth;
  readonly events: SimEvent[];
  readonly delays: SimDelays;
  /** VMs whose guest ignores ACPI powerdown. */
  readonly ignoresAcpi: Set<number>;
  /** How long after creation a task answers 400 "no such task". */
  taskVisibleAfterMs: number;
  onPower: ((vmid: number, action: 'start' | 'stop') => void) | undefined;
  /** Machines that power actions act on, for the VMs they know; undefined: state only. */
  readonly machines: SimMachines | undefined;
}

export interface ApiRequest {
  method: string;
  path: string; // below /api2/json, decoded segments joined by "/"
  segments: string[];
  params: Record<string, string>;
  identity: Identity | null;
}
