// One router kind's query for a VIP (read-only) and how its answer becomes next hops.
import { TaskError } from '../core/errors.js';
import type { ExecResult } from '../core/module.js';
import { quote, raw, script, sh, type ShellCommand } from '../core/shell.js';
import type { RouterSpec } from '../inventory/types.js';
import { parseBirdRoutes, parseByJsonPath, parseByRegex, parseFrrRouteJson, parseIpRouteJson } from './next-hops.js';

/** The command that lists the exact /32 route of `vip` on this router. */
export function routerQuery(spec: RouterSpec, vip: string): ShellCommand {
  const prefix = `${vip}/32`;
  switch (spec.kind) {
    case 'bird':
      return birdForwarding(spec.socket ? sh`birdc -s ${spec.socket}` : sh`birdc`, prefix);
    case 'frr': {
      const show = `show ip route ${prefix} json`;
      return spec.socket ? sh`vtysh --vty_socket ${spec.socket} -c ${show}` : sh`vtysh -c ${show}`;
    }
    case 'linux':
      return sh`ip -j route show ${prefix}`;
    case 'command':
      // The operator's own command line (as the shell module runs one), the VIP quoted in place of {vip}.
      return raw((spec.command ?? '').split('{vip}').join(quote(vip)));
  }
}

/**
 * What BIRD forwards: the route it exports to each Kernel protocol that is up (after `merge paths` and its
 * limit: a BIRD whose ECMP limit is below the fleet lists fewer next hops here than in its table). A BIRD with no
 * Kernel protocol up (not the forwarding device) answers with its table.
 */
function birdForwarding(birdc: ShellCommand, prefix: string): ShellCommand {
  return script(
    sh`kernels=$(${birdc} show protocols | awk '$2 == "Kernel" && $4 == "up" { print $1 }')`,
    sh`[ -n "$kernels" ] || exec ${birdc} show route ${prefix}`,
    sh`for k in $kernels; do ${birdc} show route export "$k" ${prefix}; done; exit 0`,
  );
}

/** The next hops in a router's answer; a failed query (other than "no such route") is an error. */
export function parseRouterAnswer(spec: RouterSpec, vip: string, r: ExecResult): string[] {
  const notFound = spec.kind === 'bird' && /^Network not found/m.test(r.stdout);
  if (r.code !== 0 && !notFound) {
    const why = (r.stderr || r.stdout).trim().split('\n').slice(-2).join(' ') || `exit ${r.code}`;
    throw new TaskError(`${spec.kind} query for ${vip} failed: ${why}`);
  }
  switch (spec.kind) {
    case 'bird':
      return parseBirdRoutes(r.stdout);
    case 'frr':
      return parseFrrRouteJson(r.stdout, vip);
    case 'linux':
      return parseIpRouteJson(r.stdout);
    case 'command': {
      const parse = spec.parse;
      if (!parse) throw new TaskError(`router ${spec.name}: kind command needs parse:`);
      return 'regex' in parse ? parseByRegex(r.stdout, parse.regex) : parseByJsonPath(r.stdout, parse.json_path);
    }
  }
}
