import { afterAll, beforeAll, expect, test } from 'vitest';
import { createPveClient } from '../../../src/proxmox/resolver.js';
import type { PveSim } from '../../pve-sim/index.js';
import { baseConfig, endpointFor, startSim } from './helpers.js';

let sim: PveSim;
beforeAll(async () => {
  sim = await startSim();
  sim.addVm({ vmid: 100, node: 'pve1', config: baseConfig() });
});
afterAll(() => sim.close());

test('smoke', async () => {
  const c = createPveClient(endpointFor(sim));
  const cfg = await c.get<Record<string, unknown>>('/nodes/pve1/qemu/100/config');
  expect(cfg['cores']).toBe(2);
  expect(cfg['digest']).toMatch(/^[0-9a-f]{40}$/);
});
