// From an inventory connection spec plus ssh_config to everything needed to open one SSH connection,
// including the chain of jump hosts in front of it.
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../core/errors.js';
import { Secret } from '../core/secret.js';
import { PASSPHRASE_ENV } from './auth.js';
import { loadSshConfig, resolveHostConfig, type SshConfig } from './ssh-config.js';

/** How to reach one inventory host. Inventory values win over ssh_config. */
export interface ConnectionSpec {
  /** Inventory name (used in errors and, without `address`, as the name ssh_config matches). */
  host: string;
  /** Address or DNS name to connect to; ssh_config `Host` patterns match this when set. */
  address?: string;
  port?: number;
  user?: string;
  identityFile?: string;
  /** ssh_config to read; default ~/.ssh/config; null: read none. */
  sshConfigFile?: string | null;
  /** known_hosts to check and record into; default ssh_config UserKnownHostsFile or ~/.ssh/known_hosts. */
  knownHostsFile?: string;
  /** Record unknown host keys (never accepts a changed one). */
  acceptNewHostKeys?: boolean;
  connectTimeoutMs?: number;
  keepaliveIntervalMs?: number;
  /** Concurrent exec channels on the connection (below sshd's MaxSessions, default 10); default 8. */
  maxChannels?: number;
}

/** Process environment and home directory; injectable so tests never touch the real ones. */
export interface SshEnvironment {
  env: Readonly<Record<string, string | undefined>>;
  homeDir: string;
  localUser: string;
}

export function processEnvironment(): SshEnvironment {
  return { env: process.env, homeDir: homedir(), localUser: userInfo().username };
}

export interface Endpoint {
  /** Inventory name for errors; jump hosts are labelled "jump host X for Y". */
  label: string;
  hostName: string;
  port: number;
  user: string;
  identityFiles: string[];
  agentSocket?: string;
  passphrase?: Secret;
  /** Checked in order; the first one is where new keys are recorded. */
  knownHostsFiles: string[];
  hostKeyAlias?: string;
  acceptNew: boolean;
  hashKnownHosts: boolean;
  proxyCommand?: string;
  /** The hop before this one (ProxyJump); the connection to this endpoint goes through it. */
  jump?: Endpoint;
  connectTimeoutMs: number;
  keepaliveIntervalMs: number;
  keepaliveCountMax: number;
  homeDir: string;
}

const MAX_HOPS = 8;

export function resolveEndpoint(spec: ConnectionSpec, environment: SshEnvironment = processEnvironment()): Endpoint {
  const config = spec.sshConfigFile === null ? { entries: [] } : loadSshConfig(spec.sshConfigFile, environment.homeDir);
  const name = spec.address ?? spec.host;
  return resolveHop(config, spec, environment, name, { user: spec.user, port: spec.port }, spec.host, 0, true);
}

function resolveHop(
  config: SshConfig,
  spec: ConnectionSpec,
  environment: SshEnvironment,
  name: string,
  overrides: { user: string | undefined; port: number | undefined },
  label: string,
  depth: number,
  useOwnProxy: boolean,
): Endpoint {
  if (depth > MAX_HOPS)
    throw ConfigError.single(null, `hosts.${spec.host}`, `ProxyJump chain longer than ${MAX_HOPS} hops (a loop?)`);
  const { homeDir, localUser, env } = environment;
  const hc = resolveHostConfig(config, name, { homeDir, localUser, user: overrides.user, port: overrides.port });
  const strict = hc.strictHostKeyChecking;
  const agentSocket =
    hc.identityAgent === undefined || hc.identityAgent === 'SSH_AUTH_SOCK' ? env.SSH_AUTH_SOCK : hc.identityAgent;
  const passphrase = env[PASSPHRASE_ENV];
  const isTarget = depth === 0;
  const endpoint: Endpoint = {
    label,
    hostName: hc.hostName,
    port: hc.port,
    user: hc.user,
    identityFiles: [...(isTarget && spec.identityFile ? [spec.identityFile] : []), ...hc.identityFiles],
    knownHostsFiles: spec.knownHostsFile
      ? [spec.knownHostsFile]
      : [...(hc.userKnownHostsFiles ?? [join(homeDir, '.ssh', 'known_hosts')]), '/etc/ssh/ssh_known_hosts'],
    acceptNew: spec.acceptNewHostKeys === true || strict === 'accept-new' || strict === 'no' || strict === 'off',
    hashKnownHosts: hc.hashKnownHosts ?? false,
    connectTimeoutMs: spec.connectTimeoutMs ?? (hc.connectTimeoutSec ? hc.connectTimeoutSec * 1000 : 10_000),
    keepaliveIntervalMs:
      spec.keepaliveIntervalMs ?? (hc.serverAliveIntervalSec !== undefined ? hc.serverAliveIntervalSec * 1000 : 15_000),
    keepaliveCountMax: hc.serverAliveCountMax ?? 3,
    homeDir,
  };
  if (agentSocket !== undefined && agentSocket !== '' && agentSocket.toLowerCase() !== 'none')
    endpoint.agentSocket = agentSocket;
  if (passphrase !== undefined && passphrase !== '') endpoint.passphrase = new Secret(passphrase);
  if (hc.hostKeyAlias !== undefined) endpoint.hostKeyAlias = hc.hostKeyAlias;
  if (!useOwnProxy) return endpoint;
  if (hc.proxyJump !== undefined) {
    const hops = hc.proxyJump.split(',').map((h) => parseHop(h, spec.host));
    endpoint.jump = chain(config, spec, environment, hops, label, depth + 1);
  } else if (hc.proxyCommand !== undefined) {
    endpoint.proxyCommand = hc.proxyCommand;
  }
  return endpoint;
}

/** `a,b` reaches b through a: the last hop is the direct jump host; the first may use its own proxy settings. */
function chain(
  config: SshConfig,
  spec: ConnectionSpec,
  environment: SshEnvironment,
  hops: Hop[],
  target: string,
  depth: number,
): Endpoint {
  const last = hops[hops.length - 1];
  if (last === undefined) throw ConfigError.single(null, `hosts.${spec.host}`, 'empty ProxyJump');
  const before = hops.slice(0, -1);
  const label = `jump host ${last.host} for ${target}`;
  const hopSpec: ConnectionSpec = { ...spec, identityFile: undefined };
  const endpoint = resolveHop(config, hopSpec, environment, last.host, last, label, depth, before.length === 0);
  if (before.length > 0) endpoint.jump = chain(config, spec, environment, before, target, depth + 1);
  return endpoint;
}

interface Hop {
  host: string;
  user: string | undefined;
  port: number | undefined;
}

/** `[user@]host[:port]`, with `[v6addr]:port` for IPv6. */
export function parseHop(text: string, inventoryHost = ''): Hop {
  const m = /^(?:([^@]+)@)?(?:\[([^\]]+)\]|([^:@]+))(?::(\d+))?$/.exec(text.trim());
  const port = m?.[4] === undefined ? undefined : Number(m[4]);
  if (!m || (port !== undefined && (port < 1 || port > 65535))) {
    throw ConfigError.single(
      null,
      `hosts.${inventoryHost}`,
      `bad ProxyJump hop "${text}" (expected [user@]host[:port])`,
    );
  }
  return { host: m[2] ?? m[3] ?? '', user: m[1], port };
}
