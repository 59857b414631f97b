// Fails early, with what to do, where the demo cannot run. The lab driver checks the tools itself (systemd-nspawn,
// debootstrap, bird, ...) and names the packages to install.
import { cliBuilt } from './cli.mjs';

/** The first reason the demo cannot run here, or null. */
export function cannotRun() {
  if (process.platform !== 'linux')
    return `the lab needs Linux (network namespaces, systemd-nspawn); this is ${process.platform}. Use a Debian 12 machine or VM.`;
  if (process.getuid?.() !== 0)
    return 'the lab needs root (network namespaces, mounts, systemd-nspawn): run `sudo npm run demo`';
  if (Number(process.versions.node.split('.')[0]) < 20)
    return `Node.js >= 20 is needed, this is ${process.versions.node}`;
  if (!cliBuilt()) return 'dist/ is not built: run `npm ci` (it builds dist/) or `npm run build`';
  return null;
}
