// Pure parser of the node probe's sections (probe-script.ts) into a NodeStatus, plus the health verdict.
import { parseSections } from '../modules/common/probe.js';
import { parseShowInfo } from '../modules/haproxy/parse.js';
import { sysctlMap } from '../stack/tuning.js';
import type { HaMode, NodeStatus, ProbeOptions, SysctlReading, UnitStatus } from './status-types.js';
import { PROBED_UNITS } from './probe-script.js';

const MISSING_UNIT: UnitStatus = {
  load: 'not-found',
  active: 'inactive',
  sub: 'dead',
  enabled: '',
  mainPid: null,
  restarts: null,
  bindsTo: [],
  partOf: [],
  wantedBy: [],
  wants: [],
};

/** `systemctl show -p ... a.service b.service`: blocks separated by blank lines, each starting with Id=. */
export function parseUnits(text: string): Record<string, UnitStatus> {
  const out: Record<string, UnitStatus> = {};
  for (const block of text.split(/\n\s*\n/)) {
    const props: Record<string, string> = {};
    for (const line of block.split('\n')) {
      const i = line.indexOf('=');
      if (i > 0) props[line.slice(0, i)] = line.slice(i + 1);
    }
    const id = props['Id'];
    if (!id) continue;
    const num = (v: string | undefined): number | null =>
      v === undefined || v === '' || !/^\d+$/.test(v) ? null : Number(v);
    const list = (v: string | undefined): string[] => (v ?? '').split(/\s+/).filter(Boolean);
    out[id.replace(/\.service$/, '')] = {
      load: props['LoadState'] ?? 'not-found',
      active: props['ActiveState'] ?? 'inactive',
      sub: props['SubState'] ?? '',
      enabled: props['UnitFileState'] ?? '',
      mainPid: num(props['MainPID']) || null,
      restarts: num(props['NRestarts']),
      bindsTo: list(props['BindsTo']),
      partOf: list(props['PartOf']),
      wantedBy: list(props['WantedBy']),
      wants: list(props['Wants']),
    };
  }
  return out;
}

/** systemd time spans as `systemctl show` prints them: "0", "10s", "2min", "1min 30s", "500ms", "infinity". */
export function parseTimespanSec(text: string | undefined): number | null {
  if (text === undefined || text.trim() === '') return null;
  const t = text.trim();
  if (t === 'infinity') return Number.POSITIVE_INFINITY;
  if (/^\d+$/.test(t)) return Number(t) / 1e6; // plain microseconds
  const units: Record<string, number> = { us: 1e-6, ms: 1e-3, s: 1, min: 60, h: 3600, d: 86400 };
  let total = 0;
  for (const part of t.split(/\s+/)) {
    const m = /^(\d+(?:\.\d+)?)(us|ms|s|min|h|d)$/.exec(part);
    if (!m || !m[1] || !m[2]) return null;
    total += Number(m[1]) * (units[m[2]] ?? 0);
  }
  return total;
}

/** `ethtool -l`: the Combined line under "Pre-set maximums" and under "Current hardware settings". */
export function parseEthtoolChannels(text: string): { maxCombined: number | null; combined: number | null } {
  const [maxPart = '', curPart = ''] = text.split(/Current hardware settings:/);
  const combined = (part: string): number | null => {
    const m = /^Combined:\s*(\S+)/m.exec(part);
    return m && m[1] && /^\d+$/.test(m[1]) ? Number(m[1]) : null;
  };
  return { maxCombined: combined(maxPart), combined: combined(curPart) };
}

/** `ip -4 -o addr show`: "2: host0    inet 10.99.0.11/24 brd ... scope global host0\ ...". */
export function parseAddresses(text: string): Array<{ iface: string; address: string }> {
  return text.split('\n').flatMap((line) => {
    const m = /^\d+:\s+(\S+)\s+inet\s+(\d+\.\d+\.\d+\.\d+\/\d+)/.exec(line);
    return m && m[1] && m[2] ? [{ iface: m[1].replace(/@.*$/, ''), address: m[2] }] : [];
  });
}

/** A "...\nrc=N" check section: null when the config is missing. */
function parseCheck(text: string | undefined): { valid: boolean | null; errors: string } {
  if (text === undefined || text.trim() === 'missing' || text.trim() === '') return { valid: null, errors: '' };
  const m = /(?:^|\n)rc=(\d+)$/.exec(text.trim());
  const body = text
    .trim()
    .replace(/(?:^|\n)rc=\d+$/, '')
    .trim();
  return { valid: m ? m[1] === '0' : false, errors: m && m[1] === '0' ? '' : body };
}

function parseAnnouncer(text: string | undefined): NodeStatus['announcer'] {
  if (!text || text.trim() === '') return null;
  try {
    const v = JSON.parse(text.trim()) as Record<string, unknown>;
    return {
      state: typeof v['state'] === 'string' ? v['state'] : 'unknown',
      reason: typeof v['reason'] === 'string' ? v['reason'] : null,
      vips: Array.isArray(v['vips']) ? v['vips'].filter((x): x is string => typeof x === 'string') : [],
      since: typeof v['since'] === 'number' ? v['since'] : null,
    };
  } catch {
    return { state: 'unreadable', reason: null, vips: [], since: null };
  }
}

function parseSysctl(text: string, expected: Record<string, string>): SysctlReading[] {
  const seen = new Map<string, { writable: boolean; actual: string | null }>();
  for (const line of text.split('\n')) {
    const [key, flag, ...rest] = line.split('\t');
    if (!key || flag === undefined) continue;
    seen.set(key, {
      writable: flag === 'w',
      actual: flag === '-' ? null : rest.join('\t').replace(/\s+/g, ' ').trim(),
    });
  }
  return Object.entries(expected).map(([key, want]) => {
    const got = seen.get(key);
    return { key, expected: want, actual: got?.actual ?? null, writable: got?.writable ?? false };
  });
}

export function parseNodeSections(stdout: string, options: ProbeOptions): NodeStatus {
  const s = parseSections(stdout);
  const units = parseUnits(s.get('units') ?? '');
  for (const u of PROBED_UNITS) units[u] ??= MISSING_UNIT;
  const installed = (u: string): boolean => (units[u]?.load ?? 'not-found') !== 'not-found';
  const haMode: HaMode | null =
    options.haMode ?? (installed('ober-exabgp') ? 'bgp' : installed('ober-keepalived') ? 'keepalived' : null);

  const kc = parseCheck(s.get('keepalived_check'));
  const ec = parseCheck(s.get('exabgp_check'));
  const announcer = parseAnnouncer(s.get('announcer'));
  const addresses = parseAddresses(s.get('addresses') ?? '');
  const vips = options.vips ?? announcer?.vips ?? [];
  const vipsHeld = vips.filter((vip) => addresses.some((a) => a.address.split('/')[0] === vip));
  const runtimeSec = parseTimespanSec(managerProps(s.get('manager'))['RuntimeWatchdogUSec']);
  const devices = (s.get('watchdog_devices') ?? '')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const expected = options.sysctl ?? sysctlMap({ ha_mode: haMode ?? 'bgp', sysctl_extra: {} });
  const sysctl = parseSysctl(s.get('sysctl') ?? '', expected);
  const sysctlDrift = sysctl.filter((r) => r.actual !== null && r.writable && r.actual !== r.expected);
  const cpus = /^\d+$/.test((s.get('cpus') ?? '').trim()) ? Number((s.get('cpus') ?? '').trim()) : null;

  const status: NodeStatus = {
    haMode,
    bootId: (s.get('boot_id') ?? '').trim() || null,
    cpus,
    units,
    haproxy: haproxyStatus(s),
    announcer,
    keepalived: { configValid: kc.valid, configErrors: kc.errors },
    exabgp: { sessions: parseBgpSessions(s.get('bgp_sessions') ?? ''), configValid: ec.valid, configErrors: ec.errors },
    addresses,
    vipsHeld: [...new Set(vipsHeld)],
    nic: nicStatus(s),
    watchdog: { runtimeSec, devices, armed: runtimeSec !== null && runtimeSec > 0 && devices.length > 0 },
    sysctl,
    sysctlDrift,
    withdrawn: (s.get('withdrawn') ?? '').trim() === 'yes',
    firewall: { iptables: s.get('firewall') ?? '', nft: s.get('nft') ?? '' },
    healthy: false,
    serving: false,
    problems: [],
    warnings: [],
  };
  return withVerdict(status);
}

function haproxyStatus(s: Map<string, string>): NodeStatus['haproxy'] {
  const infoText = s.get('haproxy_info') ?? '';
  const info = /^Name:\s/m.test(infoText) ? parseShowInfo(infoText) : null;
  const conns = info?.['CurrConns'];
  const drainText = s.get('haproxy_drain') ?? '';
  const drainOn = /type=bool(?:ean)? value=<1>/.test(drainText);
  const drainOff = /type=bool(?:ean)? value=<0>/.test(drainText);
  const healthText = (s.get('health') ?? '').trim();
  const check = parseCheck(s.get('haproxy_check'));
  return {
    version: versionOf(s.get('haproxy_version')),
    info,
    currConns: conns !== undefined && /^\d+$/.test(conns) ? Number(conns) : null,
    draining: drainOn ? true : drainOff ? false : null,
    health: /^[1-5]\d\d$/.test(healthText) ? Number(healthText) : null,
    configValid: check.valid,
    configErrors: check.errors,
  };
}

function nicStatus(s: Map<string, string>): NodeStatus['nic'] {
  const ethtool = s.get('ethtool') ?? '';
  const error =
    ethtool.trim() === 'noethtool'
      ? 'ethtool is not installed'
      : /Operation not supported|Cannot get/.test(ethtool)
        ? (ethtool.trim().split('\n')[0] ?? null)
        : null;
  return { name: (s.get('nic') ?? '').trim() || null, ...parseEthtoolChannels(ethtool), error };
}

/** `systemctl show` KEY=value lines. */
function managerProps(text: string | undefined): Record<string, string> {
  const props: Record<string, string> = {};
  for (const line of (text ?? '').split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) props[line.slice(0, i)] = line.slice(i + 1);
  }
  return props;
}

/** `ss -Htn state established` lines "0 0 10.99.0.11:46525 10.99.0.1:179": the peer of each BGP session. */
/** The peers of established BGP sessions (ss output), unique, in address order (ss lists them as it likes). */
export function parseBgpSessions(text: string): string[] {
  const peers = text.split('\n').flatMap((line) => {
    const cols = line.trim().split(/\s+/);
    const [local, peer] = cols.slice(-2);
    if (!local || !peer) return [];
    const peerAddr = peer.replace(/:\d+$/, '');
    return local.endsWith(':179') || peer.endsWith(':179') ? [peerAddr] : [];
  });
  const key = (a: string) =>
    a
      .split('.')
      .map((p) => p.padStart(3, '0'))
      .join('.');
  return [...new Set(peers)].sort((a, b) => key(a).localeCompare(key(b)));
}

function versionOf(text: string | undefined): string | null {
  const m = /version\s+(\S+)/i.exec(text ?? '');
  return m?.[1] ?? null;
}

/** Fills healthy, serving, problems and warnings. */
export function withVerdict(st: NodeStatus): NodeStatus {
  const problems: string[] = [];
  const warnings: string[] = [];
  const unit = (name: string): UnitStatus => st.units[name] ?? MISSING_UNIT;
  const hap = unit('ober-haproxy');
  if (hap.load === 'not-found') problems.push('ober-haproxy.service is not installed');
  else if (hap.active !== 'active') problems.push(`ober-haproxy is ${hap.active}`);
  if (st.haproxy.configValid === false) problems.push('HAProxy config is invalid');
  if (hap.active === 'active' && st.haproxy.health !== 200)
    problems.push(`/health answers ${st.haproxy.health ?? 'nothing'}`);
  if (st.haproxy.draining === true) problems.push('HAProxy is draining');
  if (st.withdrawn) problems.push('withdrawn by the operator');
  if (st.haMode === null) problems.push('neither ober-exabgp nor ober-keepalived is installed');
  if (st.haMode === 'bgp') {
    const ex = unit('ober-exabgp');
    if (ex.active !== 'active') problems.push(`ober-exabgp is ${ex.active}`);
    else if (st.exabgp.sessions.length === 0) problems.push('no established BGP session');
    else if (st.announcer?.state !== 'announced')
      problems.push(
        `announcer: ${st.announcer ? `${st.announcer.state}${st.announcer.reason ? ` (${st.announcer.reason})` : ''}` : 'no state file'}`,
      );
  }
  if (st.haMode === 'keepalived') {
    const ka = unit('ober-keepalived');
    if (ka.active !== 'active') problems.push(`ober-keepalived is ${ka.active}`);
    if (st.keepalived.configValid === false) problems.push('keepalived config is invalid');
  }
  for (const distro of ['haproxy', 'keepalived', 'exabgp']) {
    if (unit(distro).active === 'active') problems.push(`distro ${distro}.service is running`);
  }
  if (st.exabgp.configValid === false) problems.push('ExaBGP config is invalid');
  if (st.watchdog.runtimeSec === null || st.watchdog.runtimeSec === 0) warnings.push('systemd RuntimeWatchdog is off');
  else if (st.watchdog.devices.length === 0) warnings.push('no /dev/watchdog device');
  if (st.nic.combined !== null && st.nic.maxCombined !== null && st.nic.combined < st.nic.maxCombined)
    warnings.push(`${st.nic.name ?? 'NIC'} uses ${st.nic.combined} of ${st.nic.maxCombined} queues`);
  if (st.sysctlDrift.length > 0)
    warnings.push(
      `sysctl drift: ${st.sysctlDrift.map((r) => `${r.key}=${r.actual ?? '?'} (want ${r.expected})`).join(', ')}`,
    );
  const serving =
    st.haMode === 'bgp'
      ? st.announcer?.state === 'announced' && unit('ober-exabgp').active === 'active' && st.exabgp.sessions.length > 0
      : st.haMode === 'keepalived'
        ? st.vipsHeld.length > 0
        : false;
  return { ...st, healthy: problems.length === 0, serving, problems, warnings };
}
