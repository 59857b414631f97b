// The real engine over a recording transport and a fake Proxmox API: no host, no network. Each command is
// recorded with its purpose (gather / apply / engine) and each Proxmox call with its method.
import { dirname } from 'node:path';
import type { VmApi, VmResolver } from '../../src/core/module.js';
import type { RunEvent, TaskReport } from '../../src/engine/events.js';
import { runPlaybook, type RunOptions } from '../../src/engine/run-playbook.js';
import { loadInventory } from '../../src/inventory/load.js';
import { builtinModules } from '../../src/modules/registry.js';
import { loadPlaybook } from '../../src/playbook/load.js';
import { renderValue } from '../../src/render/template.js';
import { recordingConnector, type RecordedCommand, type Responder } from './recording-transport.js';

export interface PveCall {
  host: string;
  method: 'GET' | 'POST' | 'PUT' | 'restart';
  path: string;
}

export interface EngineRun {
  events: RunEvent[];
  tasks: TaskReport[];
  commands: RecordedCommand[];
  pve: PveCall[];
}

/** A VM as a fresh Proxmox install leaves it: kvm64, no watchdog, ballooning on, one virtio NIC without queues. */
function fakeVms(calls: PveCall[]): VmResolver {
  const config = {
    cores: 2,
    sockets: 1,
    memory: 4096,
    cpu: 'kvm64',
    balloon: 2048,
    net0: 'virtio=BC:24:11:00:00:01,bridge=vmbr0',
    onboot: 0,
    digest: 'd1gest0000000000000000000000000000000000',
  };
  const answers: Record<string, unknown> = {
    config,
    'config?current=1': config,
    pending: [],
    'status/current': { status: 'running' },
  };
  return {
    forHost: (host) => {
      const base = `/nodes/pve1/qemu/${host === 'lb01' ? 211 : 212}/`;
      const api: VmApi = {
        proxmox: 'pve',
        node: 'pve1',
        vmid: host === 'lb01' ? 211 : 212,
        get: <T>(path: string) => {
          calls.push({ host, method: 'GET', path });
          return Promise.resolve(answers[path.replace(base, '')] as T);
        },
        write: (method, path) => {
          calls.push({ host, method, path });
          return Promise.resolve(null);
        },
        waitTask: () => Promise.resolve(),
        coldRestart: () => {
          calls.push({ host, method: 'restart', path: base });
          return Promise.resolve('stopped and started');
        },
      };
      return Promise.resolve(api);
    },
  };
}

export async function runOnFakes(
  playbookFile: string,
  inventoryFile: string,
  options: Partial<RunOptions>,
  responders: readonly Responder[],
): Promise<EngineRun> {
  const inventory = await loadInventory(inventoryFile);
  const playbook = await loadPlaybook(playbookFile, builtinModules);
  const recorder = recordingConnector(responders);
  const events: RunEvent[] = [];
  const pve: PveCall[] = [];
  await runPlaybook(
    {
      inventory,
      modules: builtinModules,
      connect: recorder.connect,
      vms: fakeVms(pve),
      emit: (e) => events.push(e),
      renderArgs: renderValue,
      isConflict: () => false,
    },
    playbook,
    { check: false, diff: false, verify: false, forks: 5, tags: [], skipTags: [], extraVars: {}, ...options },
    dirname(playbook.file),
  );
  const tasks = events.filter((e): e is Extract<RunEvent, { type: 'task-end' }> => e.type === 'task-end');
  return { events, tasks, commands: recorder.log, pve };
}
