// Proxmox VE API simulator for tests (see sim.ts).
export { PveSim, startPveSim, type PveSimOptions, type SimRequest, type SimVmSpec } from './sim.js';
export { generateCert, type SimCert } from './cert.js';
export { SimVm, type SimEvent } from './vm.js';
export type { SimDelays } from './state.js';
