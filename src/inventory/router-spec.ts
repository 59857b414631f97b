// One `routers:` entry as the RouterSpec the router adapters read.
import type { SourceLocation } from '../core/errors.js';
import type { RouterEntry } from './schema.js';
import type { RouterSpec } from './types.js';

export function routerSpec(name: string, e: RouterEntry, location: SourceLocation | null): RouterSpec {
  const { address, user, port } = e.ssh ?? { address: '' };
  return {
    name,
    kind: e.kind,
    via: e.ssh
      ? { ssh: { address, ...(user !== undefined ? { user } : {}), ...(port !== undefined ? { port } : {}) } }
      : { local: true },
    sudo: e.sudo ?? false,
    ...(e.socket !== undefined ? { socket: e.socket } : {}),
    ...(e.command !== undefined ? { command: e.command } : {}),
    ...(e.parse !== undefined ? { parse: e.parse } : {}),
    optional: e.optional ?? false,
    location,
  };
}
