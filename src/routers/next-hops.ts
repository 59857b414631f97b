// What each kind of router prints for "the routes of this VIP", parsed into the sorted next hops that carry it.
// Pure: each parser is tested against its router's real output. Every query is for the exact /32, never a
// longest-prefix match (a default route via some node must not count as that node carrying the VIP).
import { TaskError } from '../core/errors.js';

const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;

function sortedUnique(hops: Iterable<string>): string[] {
  return [...new Set(hops)].filter((h) => IPV4.test(h)).sort();
}

/**
 * BIRD 2/3 `birdc show route [export PROTOCOL] VIP/32`, once or once per Kernel protocol: every route's
 * "via A.B.C.D"; "Network not found" is none; output with neither a table nor that is an error.
 */
export function parseBirdRoutes(text: string): string[] {
  const tables = /^Table /m.test(text);
  if (!tables && /^Network not found/m.test(text)) return [];
  if (!tables) throw new TaskError(`birdc printed no route table: ${firstLine(text)}`);
  return sortedUnique([...text.matchAll(/^\s+via (\S+)/gm)].map((m) => m[1] ?? ''));
}

interface FrrNexthop {
  ip?: unknown;
  active?: unknown;
}
interface FrrRoute {
  selected?: unknown;
  nexthops?: unknown;
}

/** FRR `vtysh -c 'show ip route VIP/32 json'`: the active next hops of the selected route; `{}` is none. */
export function parseFrrRouteJson(text: string, vip: string): string[] {
  const data = parseJson(text, 'vtysh');
  if (typeof data !== 'object' || data === null || Array.isArray(data))
    throw new TaskError('vtysh: expected an object');
  const routes = (data as Record<string, unknown>)[`${vip}/32`];
  if (routes === undefined) return [];
  if (!Array.isArray(routes)) throw new TaskError(`vtysh: ${vip}/32 is not a list of routes`);
  const hops = (routes as FrrRoute[])
    .filter((r) => r.selected === true && Array.isArray(r.nexthops))
    .flatMap((r) => r.nexthops as FrrNexthop[])
    .filter((n) => n.active !== false && typeof n.ip === 'string')
    .map((n) => n.ip as string);
  return sortedUnique(hops);
}

interface IpRoute {
  gateway?: unknown;
  nexthops?: Array<{ gateway?: unknown }>;
}

/** Linux `ip -j route show VIP/32` (exact match): the gateway, or each multipath next hop's. */
export function parseIpRouteJson(text: string): string[] {
  const data = parseJson(text.trim() === '' ? '[]' : text, 'ip -j route');
  if (!Array.isArray(data)) throw new TaskError('ip -j route: expected a list');
  const hops = (data as IpRoute[]).flatMap((r) => [r.gateway, ...(r.nexthops ?? []).map((n) => n.gateway)]);
  return sortedUnique(hops.filter((h): h is string => typeof h === 'string'));
}

/** A vendor CLI's text: every match of the regex's first group (or whole match) is a next hop. */
export function parseByRegex(text: string, pattern: string): string[] {
  const re = new RegExp(pattern, 'gm');
  return sortedUnique([...text.matchAll(re)].map((m) => m[1] ?? m[0]));
}

/** A vendor CLI's JSON: the strings at a dotted path, where `*` walks every element or key (`routes.*.nexthop`). */
export function parseByJsonPath(text: string, path: string): string[] {
  let nodes: unknown[] = [parseJson(text, 'router command')];
  for (const step of path.split('.')) {
    nodes = nodes.flatMap((n): unknown[] => {
      if (typeof n !== 'object' || n === null) return [];
      const record = n as Record<string, unknown>;
      if (step === '*') return Object.values(record);
      return step in record ? [record[step]] : [];
    });
  }
  return sortedUnique(nodes.filter((n): n is string => typeof n === 'string'));
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new TaskError(`${what} printed no JSON: ${firstLine(text)}`);
  }
}

function firstLine(text: string): string {
  return (text.trim().split('\n')[0] ?? '').slice(0, 200) || '(nothing)';
}
