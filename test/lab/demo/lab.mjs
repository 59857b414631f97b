// The lab as the demo sees it: the lab driver (lab.sh) for up, its state.json, the router's next hops for the VIP,
// and commands on a host through nsenter. Mirrors test/lab/harness.ts in plain JS (the demo has no build step).
import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { isAbsolute, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const LAB_DIR = fileURLToPath(new URL('../', import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const LAB_SCRIPT = `${LAB_DIR}lab.sh`;

/** The state directory the lab driver uses: env LAB_STATE, else test/lab/.state. */
export function labStateDir() {
  return process.env.LAB_STATE ?? `${LAB_DIR}.state`;
}

/** A path as the operator would type it: relative to the current directory when below it. */
export function shownPath(path) {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

/** `lab.sh up`: its progress (stderr, and the first base build's debootstrap output) goes to the operator. */
export function labUp(progressFd) {
  return new Promise((resolve) => {
    const child = spawn('bash', [LAB_SCRIPT, 'up', '--hosts', '3'], { stdio: ['ignore', progressFd, progressFd] });
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

export function labState() {
  const file = `${labStateDir()}/state.json`;
  if (!existsSync(file)) throw new Error(`lab is not up: ${file} does not exist`);
  return JSON.parse(readFileSync(file, 'utf8'));
}

/** Next hops of the router's kernel route for the VIP right now (BIRD's, or FRR's namespace), sorted by address. */
export function routerNextHops(state, netns = state.router.netns) {
  return new Promise((resolve) => {
    execFile('ip', ['-n', netns, 'route', 'show', state.vip], { encoding: 'utf8' }, (_err, stdout) =>
      resolve(parseHops(stdout ?? '')),
    );
  });
}

/** True when both routers (BIRD and FRR) list every host: a roll's capacity check asks them both. */
export async function bothRoutersListAll(state) {
  const all = state.hosts.map((h) => h.address).join();
  const [bird, frr] = await Promise.all([routerNextHops(state), routerNextHops(state, state.frr.netns)]);
  return bird.join() === all && frr.join() === all;
}

function parseHops(routeText) {
  return [...routeText.matchAll(/\bvia (\d+\.\d+\.\d+\.\d+)/g)]
    .map((m) => m[1])
    .sort((a, b) => Number(a.split('.')[3]) - Number(b.split('.')[3]));
}

/** Host names for next-hop addresses, e.g. ["lb01", "lb03"]. */
export function hopNames(state, hops) {
  return hops.map((a) => state.hosts.find((h) => h.address === a)?.name ?? a);
}

/** The PID of the host's systemd (container PID 1), looked up fresh below its nspawn process. */
function hostPid1(host) {
  for (const task of readdirSync(`/proc/${host.nspawnPid}/task`)) {
    const children = readFileSync(`/proc/${host.nspawnPid}/task/${task}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean);
    for (const child of children) {
      const nspid =
        /^NSpid:\s+(.*)$/m
          .exec(readFileSync(`/proc/${child}/status`, 'utf8'))?.[1]
          ?.trim()
          .split(/\s+/) ?? [];
      if (nspid.length > 1 && nspid[nspid.length - 1] === '1') return Number(child);
    }
  }
  throw new Error(`${host.name}: no container PID 1 below nspawn ${host.nspawnPid}`);
}

/** Runs a shell command on a lab host as root through nsenter; resolves with { code, stdout, stderr }. */
export function execOnHost(host, cmd, timeoutMs = 60_000) {
  const env = ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'HOME=/root', 'LANG=C.UTF-8'];
  const args = ['-t', String(hostPid1(host)), '-a', '--', '/usr/bin/env', '-i', ...env, '/bin/sh', '-c', cmd];
  return new Promise((resolve) => {
    execFile('nsenter', args, { encoding: 'utf8', timeout: timeoutMs }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

/** Polls until predicate() is truthy and returns its value; throws after timeoutMs naming what was awaited. */
export async function waitFor(predicate, { timeoutMs = 60_000, intervalMs = 100, what = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await predicate();
    if (value) return value;
    if (Date.now() >= deadline)
      throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
