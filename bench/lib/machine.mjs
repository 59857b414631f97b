// Facts about the machine a result was measured on, including how busy it was (other engineers' tests).
import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem, release } from 'node:os';
import { versions } from './tools.mjs';

export function machineFacts() {
  return {
    nproc: cpus().length,
    cpuModel: cpus()[0]?.model ?? '',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    os: /PRETTY_NAME="([^"]*)"/.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? '',
    ...versions(),
  };
}

export function load() {
  return loadavg().map((x) => Math.round(x * 100) / 100);
}
