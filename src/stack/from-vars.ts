// The stack context from a task's variables alone (the engine's `hostvars`, `groups`, `inventory_hostname`),
// so a module that only sees ReadContext.vars can derive it.
import { ConfigError } from '../core/errors.js';
import { deriveStackContext, type DeriveOptions, type StackContext, type StackHost } from './context.js';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** deriveStackContext for the current host, with the stack's hosts = `groups[stack_group]` (default "all"). */
export function stackContextFromVars(
  vars: Readonly<Record<string, unknown>>,
  options: DeriveOptions = {},
): StackContext {
  const hostvars = isRecord(vars.hostvars) ? vars.hostvars : {};
  const groups = isRecord(vars.groups) ? vars.groups : {};
  const group = typeof vars.stack_group === 'string' ? vars.stack_group : 'all';
  const members = groups[group];
  const me = vars.inventory_hostname;
  if (typeof me !== 'string' || !Array.isArray(members)) {
    throw ConfigError.single(
      null,
      'stack_group',
      `no inventory group "${group}" (or no inventory_hostname) to derive the stack from`,
    );
  }
  const toHost = (name: string): StackHost => {
    const hv = hostvars[name];
    const hostVars = isRecord(hv) ? hv : {};
    return { name, address: typeof hostVars.address === 'string' ? hostVars.address : name, vars: hostVars };
  };
  const all = members.filter((m): m is string => typeof m === 'string').map(toHost);
  const self = all.find((h) => h.name === me) ?? toHost(me);
  return deriveStackContext(vars, self, all, options);
}
