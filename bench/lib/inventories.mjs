// Inventories for both tools over the same hosts: ober-push YAML and an Ansible directory (hosts.ini +
// ansible.cfg with the settings Ansible is fastest with). The settings are returned for the report.
import { mkdirSync, writeFileSync } from 'node:fs';
import { WORK } from './paths.mjs';

/** Variables every workload uses; per host: bench_addr (its address). */
export function commonVars(state) {
  return {
    bench_value: '42',
    haproxy_maxconn: 4000,
    backend_server: `${state.backend.address}:${state.backend.httpPort}`,
    bgp_neighbor: state.router.address,
    vip: state.vip,
  };
}

/** ober-push inventory of lab hosts (explicit entries, so each host carries bench_addr). */
export function writeOberInventory(state, name, extraVars) {
  const lines = [
    `ssh: { config: ${state.sshConfig}, known_hosts: ${state.knownHosts} }`,
    'hosts:',
    ...state.hosts.flatMap((h) => [
      `  ${h.name}:`,
      `    address: ${h.address}`,
      '    user: root',
      `    identity_file: ${state.identityFile}`,
      `    vars: { bench_addr: ${h.address} }`,
    ]),
    'vars:',
    ...Object.entries({ ...commonVars(state), ...extraVars }).map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`),
  ];
  mkdirSync(WORK, { recursive: true });
  const file = `${WORK}${name}.yml`;
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/**
 * Ansible at its best for this lab: forks = host count, pipelining, ControlPersist (warm masters across
 * runs), no fact gathering unless asked, a fixed interpreter (no discovery round trip), strict host keys
 * with the lab's known_hosts and its ssh_config (ProxyCommand into the router namespace).
 */
export function writeAnsibleDir(state, name, extraVars, { strategy = 'free' } = {}) {
  const dir = `${WORK}ansible-${name}/`;
  mkdirSync(dir, { recursive: true });
  const vars = {
    ansible_user: 'root',
    ansible_python_interpreter: '/usr/bin/python3',
    ...commonVars(state),
    ...extraVars,
  };
  const ini = [
    '[all]',
    ...state.hosts.map((h) => `${h.name} ansible_host=${h.address} bench_addr=${h.address}`),
    '[all:vars]',
    ...Object.entries(vars).map(([k, v]) => `${k}=${v}`),
  ];
  writeFileSync(`${dir}hosts.ini`, `${ini.join('\n')}\n`);
  const settings = {
    forks: state.hosts.length,
    strategy,
    pipelining: true,
    gathering: 'explicit',
    host_key_checking: true,
    interpreter_python: '/usr/bin/python3',
    ssh_args: `-F ${state.sshConfig} -o ControlMaster=auto -o ControlPersist=60s`,
    control_path_dir: '/tmp/ober-bench-cp',
  };
  const cfg = [
    '[defaults]',
    'inventory = hosts.ini',
    `forks = ${settings.forks}`,
    `strategy = ${settings.strategy}`,
    `gathering = ${settings.gathering}`,
    `host_key_checking = ${settings.host_key_checking ? 'True' : 'False'}`,
    `interpreter_python = ${settings.interpreter_python}`,
    'retry_files_enabled = False',
    '[ssh_connection]',
    `pipelining = ${settings.pipelining ? 'True' : 'False'}`,
    `ssh_args = ${settings.ssh_args}`,
    `control_path_dir = ${settings.control_path_dir}`,
  ];
  writeFileSync(`${dir}ansible.cfg`, `${cfg.join('\n')}\n`);
  return { dir, config: `${dir}ansible.cfg`, settings };
}
