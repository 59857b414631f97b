// Resource pools (user.cfg's pool: lines): which VM is in which pool, GET /pools, and the `pool` field of
// /cluster/resources, both shown only with Pool.Audit (the simulator's privileges hold on every path).
import { hasPrivilege, type Privileges } from './auth.js';
import type { SimState } from './state.js';

export class SimPools {
  readonly #poolOf = new Map<number, string>();
  readonly #pools = new Set<string>();

  add(pool: string, vmid?: number): void {
    this.#pools.add(pool);
    if (vmid !== undefined) this.#poolOf.set(vmid, pool);
  }
  poolOf(vmid: number): string | undefined {
    return this.#poolOf.get(vmid);
  }
  /** GET /pools: the pools the caller has Pool.Audit on. */
  list(privileges: Privileges): Array<{ poolid: string }> {
    if (!hasPrivilege(privileges, 'Pool.Audit')) return [];
    return [...this.#pools].sort().map((poolid) => ({ poolid }));
  }
  /** The `pool` field of a VM in /cluster/resources (deleted there without Pool.Audit). */
  visiblePool(vmid: number, privileges: Privileges): string | undefined {
    return hasPrivilege(privileges, 'Pool.Audit') ? this.#poolOf.get(vmid) : undefined;
  }
}

/** The simulator's pools (a SimState without them has none). */
export function poolsOf(state: SimState): SimPools {
  const pools: unknown = 'pools' in state ? state.pools : undefined;
  return pools instanceof SimPools ? pools : new SimPools();
}
