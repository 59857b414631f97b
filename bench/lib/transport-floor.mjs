// The transport floor: ober-push's own SSH transport (dist/, the connection pool the CLI uses) without the
// engine: connect to every host at once, then run `true` ROUND_TRIPS times in sequence per host.
// Prints {connectMs, totalMs}. Usage: node transport-floor.mjs INVENTORY ROUND_TRIPS
import { REPO } from './paths.mjs';

const [inventoryPath, roundTripsText] = process.argv.slice(2);
const roundTrips = Number(roundTripsText);
const { loadInventory } = await import(`${REPO}dist/inventory/load.js`);
const { createConnector } = await import(`${REPO}dist/cli/connect.js`);

const inventory = await loadInventory(inventoryPath);
const connector = createConnector(inventory, { acceptNewHostKeys: false });
const started = performance.now();
let connectedAt = 0;
await Promise.all(
  [...inventory.hosts.values()].map(async (host) => {
    const transport = connector.connect(host);
    for (let i = 0; i < roundTrips; i++) {
      const r = await transport.exec('true');
      if (r.code !== 0) throw new Error(`${host.name}: true exited ${r.code}`);
      if (i === 0) connectedAt = Math.max(connectedAt, performance.now() - started);
    }
  }),
);
const totalMs = performance.now() - started;
await connector.closeAll();
process.stdout.write(
  `${JSON.stringify({ hosts: inventory.hosts.size, roundTrips, firstExecMs: Math.round(connectedAt), totalMs: Math.round(totalMs) })}\n`,
);
