// Answers for the recording transport: a Debian 12 host with 4 CPUs whose probes find nothing set up yet.
import type { Responder } from './recording-transport.js';

export const debianFacts: Responder = (c) =>
  c.includes('/etc/os-release')
    ? {
        stdout: 'id=debian\nversion_id=12\nhostname=lb\ncpus=4\nmem_kb=4000000\ninit=systemd\npm=apt-get\nboot_id=b1\n',
      }
    : undefined;

/** Every sysctl key the probe asks about exists, is writable and reads 0. */
export const sysctlZero: Responder = (c) => {
  const keys = [...c.matchAll(/@@ober-section:(key\d+)@@/g)].map((m) => m[1] ?? '');
  return keys.length ? { stdout: `${keys.map((k) => `@@ober-section:${k}@@\nrw\n0`).join('\n')}\n` } : undefined;
};

/** Each host's boot id changes with every reboot sent to it (the reboot module waits for a new one). */
export function bootAfterReboot(): Responder {
  const boots = new Map<string, number>();
  return (c, host) => {
    if (/\breboot\b/.test(c) && !c.includes('boot_id')) boots.set(host, (boots.get(host) ?? 0) + 1);
    return c.includes('/proc/sys/kernel/random/boot_id') && !c.includes('os-release')
      ? { stdout: `boot-${boots.get(host) ?? 0}\n` }
      : undefined;
  };
}

/** The first line (past `set -e`) of the script a command runs (unwrapped from `sudo -n -- sh -c '…'`), cut at 72 characters. */
export function commandHead(command: string): string {
  const m = /^sudo -n -- sh -c '([\s\S]*)'$/.exec(command);
  const inner = m ? (m[1] ?? '').replace(/'\\''/g, "'") : command;
  const lines = inner.split('\n').filter((l) => !/^set [+-]e$/.test(l));
  return (lines[0] ?? '').slice(0, 72);
}
