// One read-only exec that tells the rolling engine where a node stands: its roll bookkeeping (phase, locks,
// withdraw file), HAProxy (health, drain switch, client sessions, backend servers), the announcer and BGP
// session (BGP mode) or keepalived and the VIPs held (VRRP mode). The parser is pure and unit-tested.
// (src/fleet/node-status.ts will offer a fuller probe; this one stays minimal and cheap: no Python start-up.)
import { raw, sh, type ShellCommand } from '../../core/shell.js';
import { parseSections, section } from '../../modules/common/probe.js';
import { apiPrelude } from '../../modules/haproxy/scripts.js';
import type { RollTarget } from './target.js';
import { rollFiles } from './remote-files.js';

export interface AnnouncerState {
  /** 'announced' or 'withdrawn' from our announcer; whatever else it wrote, as is. */
  state: string;
  reason: string | null;
}

export interface NodeProbe {
  bootId: string;
  phaseRaw: string;
  lockRaw: string;
  fleetLockRaw: string;
  withdrawnFile: boolean;
  /** HTTP status of /health on the stats port; 0 when nothing answered. */
  health: number;
  /** The drain switch (proc.ober_drain); null when the runtime API did not answer. */
  drained: boolean | null;
  /** Client sessions open on the traffic frontends (stats frontend excluded); null without the runtime API. */
  sessions: number | null;
  /** Servers UP / total per backend. */
  backends: Array<{ name: string; up: number; total: number }>;
  units: { haproxy: string; exabgp: string; keepalived: string };
  announcer: AnnouncerState | null;
  /** TCP sessions to or from port 179 in state established (the BGP session is up). */
  bgpEstablished: number;
  /** Which of the target's VIPs are configured on this node right now. */
  vipsHeld: string[];
}

const SCUR_AWK = `awk -F, '$2=="FRONTEND" && $1!="stats" {n+=$5} END {print n+0}'`;
const SRV_AWK = `awk -F, '$1!~/^#/ && $2!="FRONTEND" && $2!="BACKEND" && NF>17 {t[$1]++; if ($18 ~ /^UP/) u[$1]+=1; else u[$1]+=0} END {for (b in t) print b, u[b], t[b]}'`;

/** `runtime: false` skips HAProxy's runtime API (each call may start a Python): for the fast polls of withdraw/announce. */
export function probeScript(t: RollTarget, runtime = true): ShellCommand {
  const f = rollFiles(t.paths);
  const url = `http://127.0.0.1:${t.statsPort}/health`;
  const lines = [
    'export LC_ALL=C',
    section('boot_id'),
    'cat /proc/sys/kernel/random/boot_id 2>/dev/null',
    section('phase'),
    sh`cat ${f.phase} 2>/dev/null`.text,
    section('lock'),
    sh`cat ${f.lock} 2>/dev/null`.text,
    section('fleet_lock'),
    sh`cat ${f.fleetLock} 2>/dev/null`.text,
    section('withdrawn'),
    sh`[ -e ${t.paths.withdrawnFile} ] && echo yes || echo no`.text,
    section('health'),
    sh`if command -v curl >/dev/null 2>&1; then curl -s -o /dev/null -w '%{http_code}' --max-time 2 ${url}; else python3 -c 'import sys,urllib.request
try: print(urllib.request.urlopen(sys.argv[1], timeout=2).status)
except Exception as e: print(getattr(e, "code", 0))' ${url}; fi; echo`.text, // curl prints no newline
    section('units'),
    'for u in ober-haproxy ober-exabgp ober-keepalived; do printf "%s %s\\n" "$u" "$(systemctl is-active "$u" 2>/dev/null)"; done',
    section('announcer'),
    sh`cat ${t.paths.announcerState} 2>/dev/null`.text,
    section('bgp'),
    "ss -Htn state established '( sport = :179 or dport = :179 )' 2>/dev/null | wc -l",
    section('addresses'),
    'ip -4 -o addr show 2>/dev/null',
    // A subshell: the prelude exits when the socket is missing (HAProxy down). One `show stat` serves both sections.
    ...(runtime
      ? [
          `( ${apiPrelude(t.paths.statsSocket).text}`,
          section('drain'),
          "hap 'get var proc.ober_drain'",
          "stat=$(hap 'show stat')",
          section('sessions'),
          `printf '%s\\n' "$stat" | ${SCUR_AWK}`,
          section('servers'),
          `printf '%s\\n' "$stat" | ${SRV_AWK}`,
          ') 2>/dev/null',
        ]
      : []),
    'exit 0',
  ];
  return raw(lines.join('\n')); // constants, and values through sh
}

export function parseProbe(stdout: string, vips: readonly string[]): NodeProbe {
  const s = parseSections(stdout);
  const get = (k: string) => (s.get(k) ?? '').trim();
  const units = new Map(
    get('units')
      .split('\n')
      .map((l) => l.split(' ') as [string, string?])
      .map(([u, st]) => [u, st ?? 'unknown']),
  );
  const sessions = get('sessions');
  const drain = get('drain');
  const addrs = get('addresses');
  return {
    bootId: get('boot_id'),
    phaseRaw: get('phase'),
    lockRaw: get('lock'),
    fleetLockRaw: get('fleet_lock'),
    withdrawnFile: get('withdrawn') === 'yes',
    health: Number.parseInt(get('health'), 10) || 0,
    drained: /value=<(1|true)>/i.test(drain) ? true : /value=<(0|false)>/i.test(drain) ? false : null,
    sessions: /^\d+$/.test(sessions) ? Number(sessions) : null,
    backends: get('servers')
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(' '))
      .map(([name, up, total]) => ({ name: name ?? '', up: Number(up), total: Number(total) })),
    units: {
      haproxy: units.get('ober-haproxy') ?? 'unknown',
      exabgp: units.get('ober-exabgp') ?? 'unknown',
      keepalived: units.get('ober-keepalived') ?? 'unknown',
    },
    announcer: parseAnnouncer(get('announcer')),
    bgpEstablished: Number.parseInt(get('bgp'), 10) || 0,
    vipsHeld: vips.filter((vip) => new RegExp(`\\binet ${vip.replace(/\./g, '\\.')}/`).test(addrs)),
  };
}

export function parseAnnouncer(text: string): AnnouncerState | null {
  if (!text) return null;
  try {
    const v = JSON.parse(text) as { state?: unknown; reason?: unknown };
    if (typeof v.state !== 'string') return null;
    return { state: v.state, reason: typeof v.reason === 'string' ? v.reason : null };
  } catch {
    return null;
  }
}

/** Healthy and carrying traffic right now, as far as the node itself can tell (the router is asked separately). */
export function isServing(p: NodeProbe, mode: RollTarget['mode']): boolean {
  if (p.health !== 200 || p.units.haproxy !== 'active' || p.withdrawnFile) return false;
  if (mode === 'bgp') return p.units.exabgp === 'active' && p.announcer?.state === 'announced' && p.bgpEstablished > 0;
  if (mode === 'vrrp') return p.units.keepalived === 'active';
  return true;
}

/** Why a node fails the health gate, or null when it passes (undrained HAProxy, /health, backends, BGP/VRRP up). */
export function healthProblem(p: NodeProbe, mode: RollTarget['mode']): string | null {
  if (p.units.haproxy !== 'active') return `ober-haproxy is ${p.units.haproxy}`;
  if (p.health !== 200) return p.health === 0 ? '/health does not answer' : `/health answers ${p.health}`;
  const down = p.backends.filter((b) => b.up === 0);
  if (down.length > 0) return `no server up in backend ${down.map((b) => b.name).join(', ')}`;
  if (mode === 'bgp') {
    if (p.units.exabgp !== 'active') return `ober-exabgp is ${p.units.exabgp}`;
    if (p.bgpEstablished === 0) return 'no BGP session established (TCP 179)';
    if (!p.announcer) return 'the announcer has not reported its state yet';
  }
  if (mode === 'vrrp' && p.units.keepalived !== 'active') return `ober-keepalived is ${p.units.keepalived}`;
  return null;
}
