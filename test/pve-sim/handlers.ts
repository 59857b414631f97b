// The documented endpoints ober-push uses, answered from the simulator's state.
import { agentEndpoint, isAgentRoute } from './agent.js';
import { hasPrivilege, hasPrivilegeOn } from './auth.js';
import { SimHttpError, die, paramError } from './http-error.js';
import { poolsOf } from './pools.js';
import { powerAction, type PowerAction } from './power.js';
import type { ApiRequest, SimState } from './state.js';
import { CONTROL_PARAMS, bridgeAclPath, privilegeFor, validateConfigParams } from './validate.js';
import { HotplugProblem, SimVm } from './vm.js';

/** Handle an authenticated request; returns `data` or throws SimHttpError. */
export function handle(state: SimState, req: ApiRequest): unknown {
  const s = req.segments;
  const m = req.method;
  const route = `${m} ${s.map((x, i) => (i === 1 && s[0] === 'nodes' ? '{node}' : i === 3 && s[2] === 'qemu' ? '{vmid}' : i === 3 && s[2] === 'tasks' ? '{upid}' : x)).join('/')}`;
  switch (route) {
    case 'GET version':
      return { version: '9.2.11', release: '9.2', repoid: 'simulated' };
    case 'GET nodes':
      return [...state.nodes].map(([node, n]) => ({
        node,
        status: n.online ? 'online' : 'offline',
        type: 'node',
        id: `node/${node}`,
      }));
    case 'GET cluster/resources':
      return clusterResources(state, req);
    case 'GET pools':
      return poolsOf(state).list(req.identity?.privileges ?? 'all');
  }
  // The agent endpoints check their own privilege (not VM.Audit): see agent.ts.
  if (isAgentRoute(req)) return agentEndpoint(state, req);
  if (s[0] !== 'nodes' || s[1] === undefined) throw notImplemented(req);
  const node = s[1];
  const known = [
    'GET nodes/{node}/status',
    'GET nodes/{node}/qemu',
    'GET nodes/{node}/qemu/{vmid}/config',
    'POST nodes/{node}/qemu/{vmid}/config',
    'PUT nodes/{node}/qemu/{vmid}/config',
    'GET nodes/{node}/qemu/{vmid}/pending',
    'GET nodes/{node}/qemu/{vmid}/status/current',
    'POST nodes/{node}/qemu/{vmid}/status/start',
    'POST nodes/{node}/qemu/{vmid}/status/stop',
    'POST nodes/{node}/qemu/{vmid}/status/shutdown',
    'POST nodes/{node}/qemu/{vmid}/status/reboot',
    'GET nodes/{node}/tasks/{upid}/status',
    'GET nodes/{node}/tasks/{upid}/log',
  ];
  if (!known.includes(route)) throw notImplemented(req);
  const vmid = s[2] === 'qemu' && s[3] !== undefined ? s[3] : undefined;
  // Permission before proxying, proxying before parameter checks (pveproxy's order).
  if (vmid !== undefined) checkVmPermission(req, vmid);
  const n = state.nodes.get(node);
  if (!n)
    throw die(`hostname lookup '${node}' failed - failed to get address info for: ${node}: Name or service not known`);
  if (!n.online) throw new SimHttpError(595, 'No route to host', { body: 'empty' });
  if (s[2] === 'tasks') return taskEndpoint(state, node, s[3] ?? '', s[4] ?? '', req);
  if (s[2] === 'status') {
    if (!hasPrivilege(req.identity?.privileges ?? 'all', 'Sys.Audit'))
      throw new SimHttpError(403, `Permission check failed (/nodes/${node}, Sys.Audit)`);
    return { cpuinfo: { cpus: n.cpus, sockets: 1, cores: n.cpus, model: 'Simulated CPU' }, uptime: 86_400 };
  }
  if (vmid === undefined) return [...state.vms.values()].filter((v) => v.node === node).map((v) => vmSummary(v));
  if (!/^\d+$/.test(vmid)) throw paramError({ vmid: `type check ('integer') failed - got '${vmid}'` });
  const vm = state.vms.get(Number(vmid));
  const leaf = s.slice(4).join('/');
  if (leaf.startsWith('status/') && leaf !== 'status/current') {
    if (!vm || vm.node !== node)
      throw die(`Configuration file 'nodes/${node}/qemu-server/${vmid}.conf' does not exist`);
    return powerAction(state, vm, leaf.slice(7) as PowerAction, req.params, req.identity?.id ?? 'root@pam');
  }
  if (!vm || vm.node !== node) throw die(`Configuration file 'nodes/${node}/qemu-server/${vmid}.conf' does not exist`);
  if (leaf === 'status/current') return statusCurrent(vm);
  if (leaf === 'pending') return pendingList(vm);
  if (m === 'GET') {
    const map = req.params['current'] === '1' ? vm.conf : vm.merged();
    return { ...SimVm.typed(map), digest: vm.digest() };
  }
  return writeConfig(state, vm, req);
}

function notImplemented(req: ApiRequest): SimHttpError {
  return new SimHttpError(501, `Method '${req.method} /${req.path}' not implemented`);
}

function checkVmPermission(req: ApiRequest, vmid: string): void {
  const privs = req.identity?.privileges ?? 'all';
  const leaf = req.segments.slice(4).join('/');
  let need = 'VM.Audit';
  if (leaf.startsWith('status/') && leaf !== 'status/current') need = 'VM.PowerMgmt';
  else if (leaf === 'config' && req.method !== 'GET') {
    // Each key needs its own VM.Config.* privilege.
    const keys = [
      ...Object.keys(req.params).filter((k) => !CONTROL_PARAMS.has(k)),
      ...(req.params['delete'] ?? '').split(',').filter((k) => k !== ''),
    ];
    for (const key of keys) {
      const priv = privilegeFor(key);
      if (!hasPrivilege(privs, priv)) throw new SimHttpError(403, `Permission check failed (/vms/${vmid}, ${priv})`);
      // A NIC also needs the right to use its bridge (and VLAN): SDN.Use on the zone's bridge path.
      const acl = /^net\d+$/.test(key) ? bridgeAclPath(req.params[key] ?? '') : null;
      if (acl !== null && !hasPrivilegeOn(privs, 'SDN.Use', acl))
        throw new SimHttpError(403, `Permission check failed (${acl}, SDN.Use)`);
    }
    return;
  }
  if (!hasPrivilege(privs, need)) throw new SimHttpError(403, `Permission check failed (/vms/${vmid}, ${need})`);
}

function writeConfig(state: SimState, vm: SimVm, req: ApiRequest): unknown {
  const p = req.params;
  const errors = validateConfigParams(p);
  if (Object.keys(errors).length > 0) throw paramError(errors);
  const changes = new Map(Object.entries(p).filter(([k]) => !CONTROL_PARAMS.has(k)));
  const deletes = (p['delete'] ?? '').split(',').filter((k) => k !== '');
  if (changes.size === 0 && deletes.length === 0) throw die('no options specified');
  const check = (): void => {
    if (vm.lock) throw die(`VM is locked (${vm.lock})`);
    if (p['digest'] !== undefined && p['digest'] !== vm.digest())
      throw die('checksum mismatch (file change by other user?)');
  };
  check();
  if (req.method === 'PUT') {
    try {
      vm.write(changes, deletes, state.events);
    } catch (err) {
      // The config was written; the keys that could not be hot-plugged stay pending: a 400 per key.
      if (err instanceof HotplugProblem) throw paramError(err.errors);
      throw err;
    }
    return null;
  }
  return state.tasks.start(
    vm.node,
    'qmconfig',
    String(vm.vmid),
    req.identity?.id ?? 'root@pam',
    state.delays.config,
    () => {
      check(); // a write that raced in between fails the task with the same text
      vm.write(changes, deletes, state.events);
      return [`update VM ${vm.vmid}: ${[...changes.keys(), ...deletes.map((d) => `-${d}`)].join(' ')}`];
    },
  );
}

function statusCurrent(vm: SimVm): Record<string, unknown> {
  return {
    ...vmSummary(vm),
    qmpstatus: vm.status,
    ha: vm.ha ? { managed: 1, state: vm.ha.state } : { managed: 0 },
    ...(vm.status === 'running' ? { 'running-machine': 'pc-i440fx-9.2+pve1', 'running-qemu': '9.2.0' } : {}),
  };
}

function vmSummary(vm: SimVm): Record<string, unknown> {
  const conf = vm.conf;
  return {
    vmid: vm.vmid,
    name: vm.name,
    status: vm.status,
    cpus: Number(conf.get('sockets') ?? 1) * Number(conf.get('cores') ?? 1),
    maxmem: Number(conf.get('memory') ?? 512) * 1024 * 1024,
    uptime: vm.status === 'running' ? 100 : 0,
    ...(vm.lock ? { lock: vm.lock } : {}),
  };
}

function pendingList(vm: SimVm): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  const typed = SimVm.typed(vm.conf);
  const pend = SimVm.typed(vm.pending);
  for (const [key, value] of Object.entries(typed)) {
    out.push({
      key,
      value,
      ...(pend[key] !== undefined ? { pending: pend[key] } : {}),
      ...(vm.pendingDelete.has(key) ? { delete: 1 } : {}),
    });
  }
  for (const [key, pending] of Object.entries(pend)) if (typed[key] === undefined) out.push({ key, pending });
  out.push({ key: 'digest', value: vm.digest() });
  return out;
}

function clusterResources(state: SimState, req: ApiRequest): unknown {
  const type = req.params['type'];
  if (type !== undefined && !['vm', 'storage', 'node', 'sdn'].includes(type)) {
    throw paramError({ type: `value '${type}' does not have a value in the enumeration 'vm, storage, node, sdn'` });
  }
  const privs = req.identity?.privileges ?? 'all';
  const vms = [...state.vms.values()]
    .filter(() => hasPrivilege(privs, 'VM.Audit'))
    .map((vm) => {
      // As pve-manager lists them: tags as the config keeps them (';'-separated), pool only with Pool.Audit.
      const tags = vm.conf.get('tags');
      const pool = poolsOf(state).visiblePool(vm.vmid, privs);
      return {
        id: `qemu/${vm.vmid}`,
        type: 'qemu',
        node: vm.node,
        ...vmSummary(vm),
        template: vm.conf.get('template') === '1' ? 1 : 0,
        ...(tags !== undefined ? { tags } : {}),
        ...(pool !== undefined ? { pool } : {}),
        ...(vm.ha ? { hastate: vm.ha.state } : {}),
      };
    });
  const nodes = [...state.nodes].map(([node, n]) => ({
    id: `node/${node}`,
    type: 'node',
    node,
    status: n.online ? 'online' : 'offline',
  }));
  if (type === 'vm') return vms;
  if (type === 'node') return nodes;
  return [...nodes, ...vms];
}

function taskEndpoint(state: SimState, node: string, upid: string, leaf: string, req: ApiRequest): unknown {
  if (!/^UPID:/.test(upid)) throw paramError({ upid: 'unable to parse worker upid' });
  const task = state.tasks.tasks.get(upid);
  const visible = task !== undefined && task.node === node && Date.now() - task.createdAt >= state.taskVisibleAfterMs;
  if (leaf === 'log') {
    if (!visible) return [{ n: 1, t: 'unable to open file - No such file or directory' }];
    const start = Number(req.params['start'] ?? 0);
    const limit = Number(req.params['limit'] ?? 50);
    return task.log.slice(start, start + limit).map((t, i) => ({ n: start + i + 1, t }));
  }
  if (!visible) throw paramError({ upid: 'no such task' });
  return {
    upid: task.upid,
    node: task.node,
    type: task.type,
    id: task.id,
    user: task.user,
    status: task.status,
    ...(task.exitstatus !== undefined ? { exitstatus: task.exitstatus } : {}),
  };
}
