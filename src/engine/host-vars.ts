// The one place a host's variables are layered (a leaf: vars.ts, stack.ts and the CLI's restore use it).
// Lowest first: magic (groups, hostvars) < inventory (all < groups < host) < play vars < registered results
// < extra vars; then the engine's own names, which nothing overrides.
import type { HostFacts } from '../core/facts.js';
import type { Host } from '../inventory/types.js';
import type { Play } from '../playbook/types.js';

/** The names varsFor sets itself (with the magic groups/hostvars); `facts` once gathered, or fetched on first use. */
export const ENGINE_VAR_NAMES: readonly string[] = ['groups', 'hostvars', 'inventory_hostname', 'host', 'facts'];

export interface VarsSource {
  host: Host;
  magic: Readonly<Record<string, unknown>>;
  play?: Play;
  registered?: Readonly<Record<string, unknown>>;
  extraVars?: Readonly<Record<string, unknown>>;
  facts?: HostFacts | null;
}

export function varsFor(source: VarsSource): Record<string, unknown> {
  const { host } = source;
  return {
    ...source.magic,
    ...host.vars,
    ...source.play?.vars,
    ...source.registered,
    ...source.extraVars,
    inventory_hostname: host.name,
    host: {
      name: host.name,
      address: host.address,
      port: host.port,
      user: host.user ?? null,
      groups: host.groups,
      vm: host.vm ?? null,
    },
    ...(source.facts ? { facts: source.facts } : {}),
  };
}
