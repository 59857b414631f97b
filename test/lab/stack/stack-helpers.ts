// Shared by the stack lab tests: run the built CLI against the lab, read recaps, write a keepalived inventory.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, type CliResult } from '../../support/cli.js';
import { execOnHost, LAB_DIR, labState, runLab } from '../harness.js';

export const HOSTS = ['lb01', 'lb02', 'lb03'] as const;

// The stack tests deploy the stack, which other lab test files expect absent: they get a private lab of their own.
const STACK_STATE = `${LAB_DIR}.state-stack`;
const STACK_ENV = { LAB_PREFIX: 'oberstack-', LAB_STATE: STACK_STATE };
// Every harness helper (labState, routerNextHops, runLoad, execOnHost) reads LAB_STATE: point them at it.
process.env.LAB_STATE = STACK_STATE;

export function stackLabUp(): void {
  const up = runLab(['up', '--hosts', '3', '--distro', 'mixed'], STACK_ENV);
  if (up.code !== 0) throw new Error(`private stack lab up failed: ${up.stderr}`);
}

export function stackLabDown(): void {
  if (process.env.LAB_KEEP !== '1') runLab(['down'], STACK_ENV);
}

/** `deploy` with the plain reporter; returns the CLI result and its duration. */
export async function deploy(inventory: string, ...args: string[]): Promise<CliResult & { ms: number }> {
  const started = Date.now();
  const r = await runCli(['deploy', '-i', inventory, '--reporter', 'plain', ...args]);
  return { ...r, ms: Date.now() - started };
}

/** RECAP lines "lb01  ok  ok=26 changed=0 ..." -> host -> counters. */
export function recap(stdout: string): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const m of stdout.matchAll(/^(lb\d+)\s+\S+\s+((?:\w+=\d+\s*)+)$/gm)) {
    const host = m[1] ?? '';
    out[host] = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)=(\d+)/g)].map((x) => [x[1] ?? '', Number(x[2])]));
  }
  return out;
}

/** Runs a command on a host, failing the test with its output when it exits non-zero. */
export async function onHost(host: string, cmd: string): Promise<string> {
  const r = await execOnHost(host, cmd);
  if (r.code !== 0) throw new Error(`${host}: ${cmd} failed (${r.code}): ${r.stderr}${r.stdout}`);
  return r.stdout.trim();
}

/** An HTTP request from the client namespace (behind the router); the status code, "000" when none. */
export async function clientGet(url: string): Promise<string> {
  const { execFileSync } = await import('node:child_process');
  try {
    return execFileSync(
      'ip',
      ['netns', 'exec', labState().client.netns, 'curl', '-s', '-m', '3', '-o', '/dev/null', '-w', '%{http_code}', url],
      { encoding: 'utf8' },
    );
  } catch {
    return '000';
  }
}

export const KEEPALIVED_VIPS = ['10.99.0.101', '10.99.0.102', '10.99.0.103'];

/**
 * The lab's hosts in keepalived mode: VIPs on the hosts' subnet (the router reaches them by ARP), host i owns VIP i.
 * Written to a temp directory with absolute paths to the lab's ssh files.
 */
export function writeKeepalivedInventory(): string {
  const s = labState();
  const hostLines = s.hosts.map(
    (h, i) =>
      `  ${h.name}: { address: ${h.address}, user: root, identity_file: ${s.identityFile}, vars: { vrrp_vips: [${KEEPALIVED_VIPS[i] ?? ''}] } }`,
  );
  const text = [
    `ssh: { config: ${s.sshConfig}, known_hosts: ${s.knownHosts} }`,
    'hosts:',
    ...hostLines,
    'vars:',
    '  ha_mode: keepalived',
    `  vips: [${KEEPALIVED_VIPS.slice(0, s.hosts.length).join(', ')}]`,
    '  frontends: [{ port: 80 }]',
    `  backends: [{ name: rgw, servers: ["${s.backend.address}:${s.backend.httpPort}"] }]`,
    '  haproxy_maxconn: 4000',
    '  keepalived: { interface: host0, advert_int: 1 }',
    '  sysctl_ignore_unavailable: true',
    '',
  ].join('\n');
  const file = join(mkdtempSync(join(tmpdir(), 'ober-ka-')), 'inventory.yml');
  writeFileSync(file, text);
  return file;
}

/** Which hosts hold `vip` on host0 right now. */
export async function holders(vip: string): Promise<string[]> {
  const found: string[] = [];
  for (const h of HOSTS) {
    const out = await onHost(h, 'ip -4 -o addr show dev host0');
    if (out.includes(` ${vip}/32 `)) found.push(h);
  }
  return found;
}
