// Host facts, gathered in one round trip per host (see src/engine/facts.ts).

export type OsFamily = 'debian' | 'redhat' | 'unknown';
export type PackageManager = 'apt' | 'dnf' | 'yum' | 'unknown';

export interface HostFacts {
  hostname: string;
  os: { id: string; versionId: string; family: OsFamily; prettyName: string };
  kernel: string;
  arch: string;
  cpus: number;
  memoryMb: number;
  defaultInterface: { name: string; addresses: string[] } | null;
  init: 'systemd' | 'other';
  packageManager: PackageManager;
  bootId: string;
}
