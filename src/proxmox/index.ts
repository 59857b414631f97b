// Public surface of the Proxmox layer.
export {
  PveClient,
  type PveClientOptions,
  type PveClientEvent,
  type RetryPolicy,
  type TrustSource,
  type Query,
} from './client.js';
export type { PveAuth } from './auth.js';
export {
  PveApiError,
  PvePermissionError,
  PveTaskError,
  PveTimeoutError,
  NicReplugError,
  nicHotplugProblem,
  isPveConflict,
  attributeToHost,
  type PveErrorKind,
} from './errors.js';
export { encodeForm, decodeForm } from './form.js';
export {
  parsePropertyString,
  formatPropertyString,
  parseNet,
  formatNet,
  type NetDevice,
  type PropertyPairs,
} from './property-string.js';
export {
  createPveClient,
  createVmResolver,
  trustFor,
  type VmResolverOptions,
  type PveVmResolver,
  type PveClientFactoryOptions,
} from './resolver.js';
export { resolveSecretRef } from './secret-ref.js';
export {
  waitTask,
  waitTaskEnd,
  waitForVmStatus,
  taskSucceeded,
  vmPath,
  type WaitOptions,
  type VmStatusCurrent,
} from './tasks.js';
export { normalizeFingerprint, type TlsTrust } from './tls.js';
export { parseUpid, isUpid, formatUpid, taskPath, type Upid } from './upid.js';
export { PveVmApi, type VmApiOptions } from './vm-api.js';
