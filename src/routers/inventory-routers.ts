// The inventory's `routers:` as the rolling engine's RouterViews: every node is checked at every router (the
// ECMP routers all peer with every node). How a query runs (SSH or this machine) is the caller's RunRouterQuery.
import type { ExecResult } from '../core/module.js';
import type { ShellCommand } from '../core/shell.js';
import type { RouterLookup, RouterView } from '../engine/rolling/routers.js';
import type { RouterSpec } from '../inventory/types.js';
import { parseRouterAnswer, routerQuery } from './router-query.js';

export type RunRouterQuery = (spec: RouterSpec, command: ShellCommand) => Promise<ExecResult>;

export function routerView(spec: RouterSpec, run: RunRouterQuery): RouterView {
  return {
    name: spec.name,
    optional: spec.optional,
    nextHops: async (vip) => parseRouterAnswer(spec, vip, await run(spec, routerQuery(spec, vip))),
  };
}

/** Every router for every node; none when the inventory names none. */
export function inventoryRouters(specs: readonly RouterSpec[], run: RunRouterQuery): RouterLookup {
  const views = specs.map((s) => routerView(s, run));
  return () => views;
}
