// deriveStackContext: validated stack vars + the stack's hosts -> the context every template renders with.
// Pure: no I/O. All fleet-wide decisions (VIP owners, VRIDs, priorities, peers) are made here, explicitly.
import { ConfigError, type ConfigIssue } from '../core/errors.js';
import { validate, type Locator } from '../config/zod-issues.js';
import { DEFAULT_PATHS, type StackPaths } from './paths.js';
import { MODULES_LOAD_CONTENT, WATCHDOG_DROP_IN_CONTENT, sysctlMap } from './tuning.js';
import { resolvedNamesIn, whitelistLines, type ResolvedNames } from './whitelist-names.js';
import {
  certFileName,
  expandAddressRange,
  stackHostVarsSchema,
  stackVarsSchema,
  vridsFor,
  type StackHostVars,
  type StackVars,
} from './vars.js';

/** A host of the stack: inventory name, address and (merged) variables. */
export interface StackHost {
  name: string;
  address: string;
  vars: Readonly<Record<string, unknown>>;
}

/** VRRP priorities. An owner that fails its check or is withdrawn drops by WEIGHT to 50, below every backup (51-249). */
export const VRRP = Object.freeze({ ownerPriority: 250, defaultBackupBase: 150, minBackup: 51, weight: -200 });

export interface FrontendContext {
  name: string; // fe_<port>
  port: number;
  binds: string[]; // "vip:port"
  tlsCert: string | null; // path on the host
  allowFiles: string[]; // whitelist files; empty: everyone may connect
  backend: string;
}

export interface BackendContext {
  name: string;
  balance: string;
  healthCheckPath: string;
  checkInterval: string; // e.g. "1000ms"
  servers: Array<{ name: string; address: string }>;
}

export interface VrrpInstance {
  name: string; // VI_<vrid>
  vip: string;
  vrid: number;
  priority: number;
  owner: string; // inventory name of the owner
  isOwner: boolean;
}

export interface StackContext {
  haMode: 'bgp' | 'keepalived';
  isBgp: boolean;
  isKeepalived: boolean;
  host: { name: string; address: string };
  vips: string[];
  statsPort: number;
  maxconn: number;
  hardStopAfter: string;
  timeouts: StackVars['timeouts'];
  frontends: FrontendContext[];
  backends: BackendContext[];
  /** Backend names whose servers /health requires (fails when all of them have none up). */
  healthBackends: string[];
  /** Only whitelists some frontend references; each is rendered to `file`. */
  whitelists: Array<{ name: string; file: string; entries: string[] }>;
  bgp: {
    routerId: string;
    localAddress: string;
    localAs: number;
    peerAs: number;
    holdTime: number;
    neighbors: string[];
  } | null;
  keepalived: {
    routerId: string;
    interface: string;
    advertInt: number;
    srcIp: string;
    peers: string[];
    weight: number;
    instances: VrrpInstance[];
  } | null;
  healthUrl: string;
  paths: StackPaths;
  /** What playbooks/site.yml installs (plain data, so the playbook needs no logic of its own). */
  packages: string[];
  /** The daemons' packages, which playbooks/upgrade.yml upgrades (HAProxy and ExaBGP or keepalived). */
  daemonPackages: string[];
  /** Distro units that must never run next to ober's (masked before the packages are installed). */
  distroUnits: string[];
  /** The other HA mode's units, stopped, disabled and removed when a host changes mode. */
  otherModeUnits: string[];
  sysctl: Record<string, string>;
  sysctlIgnoreUnavailable: boolean;
  modulesLoad: string;
  watchdogDropIn: string;
  /** Each referenced whitelist as the file HAProxy reads (`acl ... src -f`). */
  listFiles: Array<{ file: string; content: string }>;
  /** TLS PEMs: controller path (absolute or relative to the playbook) -> host path (mode 0600). */
  certs: Array<{ src: string; dest: string }>;
}

export function whitelistContent(list: { name: string; entries: readonly string[] }): string {
  return [
    `# Managed by ober-push: whitelist "${list.name}", used by frontends that allow it.`,
    ...list.entries,
    '',
  ].join('\n');
}

export interface DeriveOptions {
  /** Override install paths (tests point them at a temp dir). */
  paths?: Partial<StackPaths>;
}

const NO_LOCATION: Locator = { value: () => null, key: () => null };

/** Validates `vars` (throws ConfigError with key paths) and returns them typed, defaults applied. */
export function parseStackVars(vars: unknown): StackVars {
  const res = validate(stackVarsSchema, vars, NO_LOCATION);
  if (!res.ok) throw new ConfigError(res.issues);
  return res.data;
}

/**
 * The template context for `host`. `vars` are the host's merged variables; `allHosts` are the stack's
 * hosts in inventory order (including `host`), whose own vars give `vrrp_vips`, `vrrp_priority`, `local_address`.
 */
export function deriveStackContext(
  vars: unknown,
  host: StackHost,
  allHosts: readonly StackHost[],
  options: DeriveOptions = {},
): StackContext {
  const v = parseStackVars(vars);
  const paths: StackPaths = { ...DEFAULT_PATHS, ...options.paths };
  const hostVars = stackHostVars(vars, host, allHosts);
  const issues: ConfigIssue[] = [];
  const addressOf = (h: StackHost): string => hostVars.get(h.name)?.local_address ?? h.address;
  const address = addressOf(host);
  const ctx = haproxyContext(v, host, address, paths, resolvedNamesIn(vars));
  if (v.bgp) {
    requireIpv4(address, host.name, issues);
    ctx.bgp = {
      routerId: address,
      localAddress: address,
      localAs: v.bgp.local_as,
      peerAs: v.bgp.peer_as,
      holdTime: v.bgp.hold_time,
      neighbors: v.bgp.neighbors,
    };
  }
  if (v.ha_mode === 'keepalived' && v.keepalived) {
    for (const h of allHosts) requireIpv4(addressOf(h), h.name, issues);
    const instances = vrrpInstances(v, host, allHosts, hostVars, issues);
    ctx.keepalived = {
      routerId: `ober_${host.name.replace(/[^A-Za-z0-9_.-]/g, '_')}`,
      interface: v.keepalived.interface,
      advertInt: v.keepalived.advert_int,
      srcIp: address,
      peers: allHosts.filter((h) => h.name !== host.name).map(addressOf),
      weight: VRRP.weight,
      instances,
    };
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return ctx;
}

/** Every stack host's own vars (`host` sees its merged vars too), validated; throws with every issue. */
function stackHostVars(vars: unknown, host: StackHost, allHosts: readonly StackHost[]): Map<string, StackHostVars> {
  const issues: ConfigIssue[] = [];
  const hostVars = new Map<string, StackHostVars>();
  for (const h of allHosts) {
    const own = h === host ? { ...h.vars, ...(vars as object) } : h.vars;
    const res = validate(stackHostVarsSchema, own, NO_LOCATION, `hosts.${h.name}`);
    if (res.ok) hostVars.set(h.name, res.data);
    else issues.push(...res.issues);
  }
  if (!allHosts.some((h) => h.name === host.name))
    issues.push(issue('', `host ${host.name} is not one of the stack's hosts`));
  if (issues.length > 0) throw new ConfigError(issues);
  return hostVars;
}

/** Everything but the HA daemon's part: HAProxy, lists, certificates, units, tuning. */
function haproxyContext(
  v: StackVars,
  host: StackHost,
  address: string,
  paths: StackPaths,
  names: ResolvedNames | undefined,
): StackContext {
  const whitelistNames = [...new Set(v.frontends.flatMap((f) => f.allow ?? []))];
  const listFile = (name: string): string => `${paths.listsDir}/${name}.lst`;
  const defaultBackend = v.backends[0]?.name ?? '';
  const ctx: StackContext = {
    haMode: v.ha_mode,
    isBgp: v.ha_mode === 'bgp',
    isKeepalived: v.ha_mode === 'keepalived',
    host: { name: host.name, address },
    vips: v.vips,
    statsPort: v.stats_port,
    maxconn: v.haproxy_maxconn,
    hardStopAfter: v.hard_stop_after,
    timeouts: v.timeouts,
    frontends: v.frontends.map((f) => ({
      name: `fe_${f.port}`,
      port: f.port,
      binds: v.vips.map((vip) => `${vip}:${f.port}`),
      tlsCert: f.tls ? `${paths.certsDir}/${certFileName(f.tls.cert)}` : null,
      allowFiles: (f.allow ?? []).map(listFile),
      backend: f.backend ?? defaultBackend,
    })),
    backends: v.backends.map((b) => ({
      name: b.name,
      balance: b.balance,
      healthCheckPath: b.health_check_path,
      checkInterval: `${b.check_interval_ms}ms`,
      servers: b.servers.map((s, i) => ({ name: `${b.name}${i + 1}`, address: s })),
    })),
    healthBackends: [...new Set(v.frontends.map((f) => f.backend ?? defaultBackend))],
    whitelists: whitelistNames.map((name) => ({
      name,
      file: listFile(name),
      entries: whitelistLines(name, v.whitelists[name] ?? [], names, expandAddressRange),
    })),
    bgp: null,
    keepalived: null,
    healthUrl: `http://127.0.0.1:${v.stats_port}/health`,
    paths,
    packages: ['haproxy', ...(v.ha_mode === 'bgp' ? ['exabgp', 'nftables'] : ['keepalived']), 'curl', 'ethtool'],
    daemonPackages: ['haproxy', v.ha_mode === 'bgp' ? 'exabgp' : 'keepalived'],
    distroUnits: ['haproxy', 'keepalived', 'exabgp'],
    otherModeUnits: v.ha_mode === 'bgp' ? ['ober-keepalived'] : ['ober-exabgp', 'ober-vip'],
    sysctl: sysctlMap(v),
    sysctlIgnoreUnavailable: v.sysctl_ignore_unavailable,
    modulesLoad: MODULES_LOAD_CONTENT,
    watchdogDropIn: WATCHDOG_DROP_IN_CONTENT,
    listFiles: [],
    certs: uniqueCerts(v.frontends, paths.certsDir),
  };
  ctx.listFiles = ctx.whitelists.map((w) => ({ file: w.file, content: whitelistContent(w) }));
  return ctx;
}

function uniqueCerts(frontends: StackVars['frontends'], certsDir: string): Array<{ src: string; dest: string }> {
  const out = new Map<string, string>();
  for (const f of frontends) if (f.tls) out.set(`${certsDir}/${certFileName(f.tls.cert)}`, f.tls.cert);
  return [...out].map(([dest, src]) => ({ src, dest }));
}

/** One instance per VIP: exactly one owner (from hosts' `vrrp_vips`), distinct backup priorities. */
function vrrpInstances(
  v: StackVars,
  host: StackHost,
  allHosts: readonly StackHost[],
  hostVars: Map<string, StackHostVars>,
  issues: ConfigIssue[],
): VrrpInstance[] {
  const k = v.keepalived;
  if (!k) return [];
  const owners = new Map<string, string>();
  allHosts.forEach((h) => {
    (hostVars.get(h.name)?.vrrp_vips ?? []).forEach((vip, j) => {
      const path = `hosts.${h.name}.vrrp_vips[${j}]`;
      if (!v.vips.includes(vip)) issues.push(issue(path, `${vip} is not one of vips`));
      const prior = owners.get(vip);
      if (prior !== undefined && prior !== h.name) issues.push(issue(path, `${vip} is already owned by ${prior}`));
      else owners.set(vip, h.name);
    });
  });
  v.vips.forEach((vip, i) => {
    if (!owners.has(vip))
      issues.push(issue(`vips[${i}]`, `${vip} has no owner: list it in exactly one host's vrrp_vips`));
  });
  const backupPriority = new Map<string, number>();
  allHosts.forEach((h, i) => {
    const p = hostVars.get(h.name)?.vrrp_priority ?? VRRP.defaultBackupBase - i;
    if (p < VRRP.minBackup)
      issues.push(issue(`hosts.${h.name}`, `too many hosts for derived VRRP priorities; set vrrp_priority (51-249)`));
    const clash = [...backupPriority].find(([, q]) => q === p);
    if (clash)
      issues.push(
        issue(
          `hosts.${h.name}.vrrp_priority`,
          `priority ${p} is also ${clash[0]}'s; backup priorities must be distinct`,
        ),
      );
    backupPriority.set(h.name, p);
  });
  const vrids = vridsFor(v.vips, k);
  return v.vips.map((vip, i) => {
    const owner = owners.get(vip) ?? '';
    const vrid = vrids[i] ?? 0;
    const isOwner = owner === host.name;
    return {
      name: `VI_${vrid}`,
      vip,
      vrid,
      owner,
      isOwner,
      priority: isOwner ? VRRP.ownerPriority : (backupPriority.get(host.name) ?? VRRP.minBackup),
    };
  });
}

function requireIpv4(address: string, hostName: string, issues: ConfigIssue[]): void {
  if (!stackHostVarsSchema.shape.local_address.safeParse(address).success) {
    issues.push(issue(`hosts.${hostName}.local_address`, `address "${address}" is not IPv4: set local_address`));
  }
}

function issue(path: string, message: string): ConfigIssue {
  return { location: null, path, message };
}
