// Lab hosts as the machines behind the Proxmox simulator's VMs: a shutdown powers the host off cleanly (systemd's
// poweroff inside it), a stop kills its PID 1, a start boots it again on the same disk (host-launch.sh keeps the
// overlay while off) with as many CPUs as the VM has vCPUs (a cpuset cgroup: `nproc` inside follows it).
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { SimHardware, SimMachines } from '../pve-sim/state.js';
import { hostPid1, labHost, labState, waitFor } from './harness.js';

// systemd's PID 1 powers off on SIGRTMIN+4 (glibc's SIGRTMIN is 34 on Linux); Node has no name for it.
const SIGRTMIN_PLUS_4 = 38;
const POWER_TIMEOUT_MS = 90_000;

export class LabMachines implements SimMachines {
  readonly #hostOf: ReadonlyMap<number, string>;

  /** `hostOf`: VM id → lab host name. */
  constructor(hostOf: ReadonlyMap<number, string>) {
    this.#hostOf = hostOf;
  }

  /** Make a running host look as if it had booted with the VM's current hardware (its CPUs, at once). */
  adopt(vmid: number, hardware: SimHardware): void {
    const host = this.#host(vmid);
    writeFileSync(`${labHost(host).dir}/cpus`, cpuList(hardware));
    writeFileSync(`/sys/fs/cgroup/cpuset/${labState().prefix}${host}/cpuset.cpus`, cpuList(hardware));
  }

  async start(vmid: number, hardware: SimHardware): Promise<void> {
    const host = this.#host(vmid);
    writeFileSync(`${labHost(host).dir}/cpus`, cpuList(hardware));
    process.kill(launcherPid(host), 'SIGUSR1');
    await this.#waitPower(host, 'on');
  }

  async shutdown(vmid: number): Promise<void> {
    const host = this.#host(vmid);
    process.kill(hostPid1(host), SIGRTMIN_PLUS_4);
    await this.#waitPower(host, 'off');
  }

  async stop(vmid: number): Promise<void> {
    const host = this.#host(vmid);
    process.kill(hostPid1(host), 'SIGKILL');
    await this.#waitPower(host, 'off');
  }

  #host(vmid: number): string {
    const host = this.#hostOf.get(vmid);
    if (host === undefined) throw new Error(`no lab host behind VM ${vmid}`);
    return host;
  }

  /** The launcher writes `on` once nspawn runs and `off RC` once it has exited for good. */
  #waitPower(host: string, want: 'on' | 'off'): Promise<unknown> {
    const file = `${labHost(host).dir}/power`;
    return waitFor(() => readFileSync(file, 'utf8').split(' ')[0]?.trim() === want, {
      timeoutMs: POWER_TIMEOUT_MS,
      what: `${host} powered ${want}`,
    });
  }
}

/** CPUs 0..n-1 for the VM's vCPUs (sockets × cores), at most the machine's. */
function cpuList(hardware: SimHardware): string {
  const n = Math.max(1, Math.min(availableParallelism(), hardware.sockets * hardware.cores));
  return n === 1 ? '0' : `0-${n - 1}`;
}

/** The launcher of a host, from the lab's pids file (`launcher:NAME PID`, the newest line). */
function launcherPid(host: string): number {
  const lines = readFileSync(`${labState().stateDir}/pids`, 'utf8').split('\n');
  const pid = lines
    .filter((l) => l.startsWith(`launcher:${host} `))
    .map((l) => Number(l.split(' ')[1]))
    .pop();
  if (pid === undefined || !Number.isInteger(pid)) throw new Error(`no launcher recorded for ${host}`);
  return pid;
}
