// The built-in modules by YAML key.
import type { AnyModule, ModuleDef } from '../core/module.js';
import { assertModule } from './assert.js';
import { commandModule, shellModule } from './command.js';
import { copyModule } from './copy.js';
import { fileModule } from './file.js';
import { haproxyModule } from './haproxy/index.js';
import { packageModule } from './package/index.js';
import { rebootModule } from './reboot.js';
import { serviceModule } from './service.js';
import { sysctlModule } from './sysctl.js';
import { systemdModule } from './systemd.js';
import { templateModule } from './template.js';
import { waitForModule } from './wait-for.js';
import { proxmoxVmModule } from './proxmox-vm/index.js';

/** Erase a module's type parameters for the registry (sound: the engine validates args with the module's own schema). */
function erase<A, F>(m: ModuleDef<A, F>): AnyModule {
  return m;
}

const modules: AnyModule[] = [
  erase(commandModule),
  erase(shellModule),
  erase(copyModule),
  erase(templateModule),
  erase(fileModule),
  erase(packageModule),
  erase(sysctlModule),
  erase(serviceModule),
  erase(systemdModule),
  erase(waitForModule),
  erase(assertModule),
  erase(haproxyModule),
  erase(rebootModule),
  erase(proxmoxVmModule),
];

export const builtinModules: ReadonlyMap<string, AnyModule> = new Map(modules.map((m) => [m.name, m]));
