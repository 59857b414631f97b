// The routers the rolling engine asks about each node: the inventory's `routers:`, queried over SSH with the
// nodes' connector (strict known_hosts) or on this machine.
import type { Transport } from '../core/transport.js';
import type { RouterLookup } from '../engine/rolling/routers.js';
import type { Host, Inventory } from '../inventory/types.js';
import { inventoryRouters } from '../routers/inventory-routers.js';
import { routerQueryRunner } from '../routers/run-query.js';

export function routerLookup(inventory: Inventory, connect: (host: Host) => Transport): RouterLookup {
  return inventoryRouters(inventory.routers, routerQueryRunner(connect));
}
