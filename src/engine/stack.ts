// Plays that declare `stack: herr-ober`: their hosts' variables are validated before anything is contacted
// (file:line of the layer that set a bad value), and tasks see the derived stack context as `ober`.
import { ConfigError, type ConfigIssue } from '../core/errors.js';
import { validateHostVars } from '../inventory/vars.js';
import type { Inventory } from '../inventory/types.js';
import type { Play } from '../playbook/types.js';
import { stackContextFromVars } from '../stack/from-vars.js';
import { stackHostVarsSchema, stackVarsSchema } from '../stack/vars.js';
import { varsFor } from './host-vars.js';

/** Validate every host of every stack play; throws one ConfigError listing all issues. */
export function validateStackPlays(
  inventory: Inventory,
  plays: ReadonlyArray<{ play: Play; hosts: string[] }>,
  extraVars: Record<string, unknown>,
  magic: Record<string, unknown>,
): void {
  const issues: ConfigIssue[] = [];
  for (const { play, hosts } of plays) {
    if (!play.stack) continue;
    const layers = [
      { name: `play "${play.name}" vars`, vars: play.vars, location: play.location },
      { name: 'extra vars (-e)', vars: extraVars, location: null },
    ];
    for (const name of hosts) {
      const found = [
        ...validateHostVars(inventory, name, stackVarsSchema, layers),
        ...validateHostVars(inventory, name, stackHostVarsSchema, layers),
      ];
      if (found.length > 0) {
        issues.push(...found.map((i) => ({ ...i, message: `${i.message} (host ${name})` })));
        continue;
      }
      // Cross-host rules (VIP owners, VRID collisions) need every host: derive once to surface them now.
      try {
        stackContextFromVars(stackVars(inventory, name, play, extraVars, magic));
      } catch (error) {
        if (error instanceof ConfigError)
          issues.push(...error.issues.map((i) => ({ ...i, message: `${i.message} (host ${name})` })));
        else throw error;
      }
    }
  }
  if (issues.length > 0) throw new ConfigError(dedupe(issues));
}

function stackVars(
  inventory: Inventory,
  name: string,
  play: Play,
  extraVars: Record<string, unknown>,
  magic: Record<string, unknown>,
): Record<string, unknown> {
  const host = inventory.hosts.get(name);
  if (!host) throw new Error(`stackVars: no host ${name} in the inventory`);
  return varsFor({ host, magic, play, extraVars });
}

function dedupe(issues: ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.location?.file}:${i.location?.line}:${i.path}:${i.message.replace(/ \(host [^)]+\)$/, '')}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The `ober` namespace a stack play's tasks see. */
export function stackNamespace(play: Play, vars: Record<string, unknown>): Record<string, unknown> {
  return play.stack ? { ober: stackContextFromVars(vars) } : {};
}
