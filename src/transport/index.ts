// The SSH transport's public surface.
export { ConnectionPool, type PoolOptions } from './pool.js';
export { HandshakeGate } from './handshake-gate.js';
export { SshTransport, type SshTransportOptions } from './ssh-transport.js';
export { LocalTransport, type LocalTransportOptions } from './local.js';
export {
  resolveEndpoint,
  processEnvironment,
  parseHop,
  type ConnectionSpec,
  type SshEnvironment,
  type Endpoint,
} from './endpoint.js';
export { loadSshConfig, parseSshConfig, resolveHostConfig, type SshConfig, type HostConfig } from './ssh-config.js';
export {
  fingerprint,
  knownHostName,
  verifyHostKey,
  parseKnownHosts,
  hashHostName,
  KnownHostsWriter,
} from './known-hosts.js';
export { PASSPHRASE_ENV } from './auth.js';
