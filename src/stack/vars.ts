// The stack's public variable interface (inventory/playbook `vars:`), as a zod schema.
// Every value ends up inside a daemon config, so each is validated tightly enough that nothing
// can inject a directive (no whitespace, newlines, quotes, braces or semicolons where not expected).
import { z } from 'zod';
import { expandHostlist, HostRangeError } from '../inventory/hostlist.js';
import { isWhitelistHostName } from './whitelist-names.js';

/** Backend, whitelist and certificate names: used verbatim as HAProxy identifiers and file names. */
export const NAME_RE = /^[A-Za-z0-9_.-]+$/;
/** An URL path for health checks and monitor-uri: starts with /, no whitespace or config metacharacters. */
export const URL_PATH_RE = /^\/[A-Za-z0-9._~!$&'()*+,=:@%/?-]*$/;
/** A hostname (DNS name) for backend servers. */
const HOSTNAME_RE =
  /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
/** A HAProxy duration: a number with an optional unit (us, ms, s, m, h, d). */
const DURATION_RE = /^[0-9]{1,9}(us|ms|s|m|h|d)?$/;
/** A Linux interface name (at most 15 characters). */
const IFACE_RE = /^[A-Za-z0-9_.:-]{1,15}$/;
/** A sysctl key, dotted or slashed. */
const SYSCTL_KEY_RE = /^[a-z0-9_]+([./][A-Za-z0-9_-]+)+$/;
/** A sysctl value: printable, single line, no shell or config metacharacters. */
const SYSCTL_VALUE_RE = /^[A-Za-z0-9 _.:,/-]{1,200}$/;

export const ipv4 = z.ipv4({ error: 'expected an IPv4 address' });
const name = z.string().regex(NAME_RE, { error: 'expected a name of letters, digits, "_", "." or "-"' }).max(64);
const port = z.number({ error: 'expected an integer 1-65535' }).int().min(1).max(65535);
const asn = z.number({ error: 'expected an AS number 1-4294967295' }).int().min(1).max(4294967295);
const urlPath = z
  .string()
  .regex(URL_PATH_RE, { error: 'expected a path starting with "/" without whitespace' })
  .max(512);
const duration = z.string().regex(DURATION_RE, { error: 'expected a duration like 30s, 500ms or 5m' });

/** host:port of a backend server; host is an IPv4 address or a DNS name. */
const serverAddress = z.string().refine(
  (s) => {
    const m = /^(.+):([0-9]{1,5})$/.exec(s);
    if (!m || !m[1] || !m[2]) return false;
    const p = Number(m[2]);
    return p >= 1 && p <= 65535 && (ipv4.safeParse(m[1]).success || HOSTNAME_RE.test(m[1]));
  },
  { error: 'expected host:port (IPv4 address or DNS name, port 1-65535)' },
);

/**
 * A whitelist entry: an IPv4 address, a CIDR, an address with bracket ranges (10.0.1.[10-20,30]), or a host name
 * (resolved on the workstation by the command: stack/whitelist-names.ts).
 */
const whitelistEntry = z
  .string()
  .refine((s) => z.cidrv4().safeParse(s).success || expandAddressRange(s) !== null || isWhitelistHostName(s), {
    error: 'expected an IPv4 address, a CIDR (10.0.0.0/8), an address range (10.0.1.[10-20]) or a host name',
  });

/** The addresses of an IPv4 address with optional bracket ranges; null when it is not one. */
export function expandAddressRange(entry: string): string[] | null {
  if (!/^[0-9.,[\]-]+$/.test(entry)) return null;
  try {
    const all = expandHostlist(entry);
    return all.length <= 65536 && all.every((a) => ipv4.safeParse(a).success) ? all : null;
  } catch (err) {
    if (err instanceof HostRangeError) return null;
    throw err;
  }
}

const frontend = z
  .object({
    /** Listening port on every VIP. */
    port,
    /** TLS termination: `cert` is a PEM with certificate and key on the controller; pushed mode 0600 to certs_dir/<basename>. */
    tls: z
      .object({ cert: z.string().regex(/^[^\s\0]+$/, { error: 'expected a file path without whitespace' }) })
      .strict()
      .optional(),
    /** Whitelist names; when set only these sources may connect (checked before the TLS handshake). */
    allow: z.array(name).min(1).optional(),
    /** Backend to route to; default the first entry of `backends`. */
    backend: name.optional(),
  })
  .strict();

const backend = z
  .object({
    name,
    servers: z.array(serverAddress).min(1),
    health_check_path: urlPath.default('/'),
    balance: z.enum(['leastconn', 'roundrobin', 'source', 'first', 'random']).default('leastconn'),
    /** Health check interval in milliseconds. */
    check_interval_ms: z.number().int().min(100).max(3_600_000).default(1000),
  })
  .strict();

const bgp = z
  .object({
    local_as: asn,
    peer_as: asn,
    /** BGP peers (the ECMP routers); ExaBGP connects to each from the host's address. */
    neighbors: z.array(ipv4).min(1),
    /** Seconds; RFC 4271 allows 0 (no keepalives) or 3-65535. */
    hold_time: z
      .number()
      .int()
      .refine((n) => n === 0 || (n >= 3 && n <= 65535), { error: 'expected 0 or 3-65535' })
      .default(9),
  })
  .strict();

const keepalived = z
  .object({
    /** Interface that carries the VIPs and VRRP adverts. */
    interface: z.string().regex(IFACE_RE, { error: 'expected an interface name' }),
    advert_int: z.number().int().min(1).max(255).default(1),
    /** Explicit VRID per VIP; VIPs not listed get vrid_base + their index in `vips`. */
    vrids: z.record(ipv4, z.number().int().min(1).max(255)).default({}),
    vrid_base: z.number().int().min(1).max(255).default(51),
  })
  .strict();

const timeouts = z
  .object({
    connect: duration.default('5s'),
    client: duration.default('60s'),
    /** Long enough for RGW to complete a large multipart upload (Herr Ober's 30 s cut these off). */
    server: duration.default('300s'),
    http_request: duration.default('10s'),
    http_keep_alive: duration.default('10s'),
  })
  .strict();

export const stackVarsSchema = z
  .object({
    ha_mode: z.enum(['bgp', 'keepalived']),
    /** /32 service addresses. */
    vips: z.array(ipv4).min(1),
    frontends: z.array(frontend).min(1),
    backends: z.array(backend).min(1),
    /** Stats page (/stats), /health and /metrics listen here on every address. */
    stats_port: port.default(8404),
    haproxy_maxconn: z.number().int().min(1).max(10_000_000).default(100000),
    /** After a reload or soft stop, old workers are killed after this long. */
    hard_stop_after: duration.default('30s'),
    timeouts: timeouts.prefault({}),
    bgp: bgp.optional(),
    keepalived: keepalived.optional(),
    /** Named source lists; a frontend's `allow` references them. */
    whitelists: z.record(name, z.array(whitelistEntry).min(1)).default({}),
    /** Operator additions to the sysctl tuning set (override the defaults). */
    sysctl_extra: z
      .record(
        z.string().regex(SYSCTL_KEY_RE, { error: 'expected a sysctl key' }),
        z.union([z.number(), z.string().regex(SYSCTL_VALUE_RE)]),
      )
      .default({}),
    /** true: sysctl keys the kernel lacks or forbids here (containers) are reported and skipped. */
    sysctl_ignore_unavailable: z.boolean().default(false),
    /** e.g. "3.2": install HAProxy from the haproxy.debian.net repository instead of the distro. */
    haproxy_version: z
      .string()
      .regex(/^3\.[0-9]{1,2}$/, { error: 'expected a HAProxy 3.x version like "3.2"' })
      .optional(),
    /** Inventory group whose hosts form the stack (keepalived peers, VIP owners). */
    stack_group: name.default('all'),
  })
  .superRefine((v, ctx) => {
    if (v.ha_mode === 'bgp' && !v.bgp)
      ctx.addIssue({ code: 'custom', path: ['bgp'], message: 'required when ha_mode is bgp' });
    if (v.ha_mode === 'keepalived' && !v.keepalived)
      ctx.addIssue({ code: 'custom', path: ['keepalived'], message: 'required when ha_mode is keepalived' });
    duplicates(v.vips).forEach((i) => ctx.addIssue({ code: 'custom', path: ['vips', i], message: 'duplicate VIP' }));
    duplicates(v.backends.map((b) => b.name)).forEach((i) =>
      ctx.addIssue({ code: 'custom', path: ['backends', i, 'name'], message: 'duplicate backend name' }),
    );
    duplicates(v.frontends.map((f) => f.port)).forEach((i) =>
      ctx.addIssue({ code: 'custom', path: ['frontends', i, 'port'], message: 'duplicate frontend port' }),
    );
    const certNames = v.frontends.map((f) => (f.tls ? certFileName(f.tls.cert) : null));
    v.frontends.forEach((f, i) => {
      if (f.port === v.stats_port)
        ctx.addIssue({
          code: 'custom',
          path: ['frontends', i, 'port'],
          message: `collides with stats_port ${v.stats_port}`,
        });
      if (f.backend !== undefined && !v.backends.some((b) => b.name === f.backend)) {
        ctx.addIssue({ code: 'custom', path: ['frontends', i, 'backend'], message: `no backend named "${f.backend}"` });
      }
      (f.allow ?? []).forEach((w, j) => {
        if (!(w in v.whitelists))
          ctx.addIssue({ code: 'custom', path: ['frontends', i, 'allow', j], message: `no whitelist named "${w}"` });
      });
      const cert = certNames[i];
      if (cert !== undefined && cert !== null && !NAME_RE.test(cert))
        ctx.addIssue({
          code: 'custom',
          path: ['frontends', i, 'tls', 'cert'],
          message: 'file name must be letters, digits, "_", "." or "-"',
        });
      // Certificates land in certs_dir by file name: two different files with one name would become one.
      const clash = v.frontends.findIndex(
        (g, j) => j < i && g.tls && f.tls && certNames[j] === cert && g.tls.cert !== f.tls.cert,
      );
      const other = v.frontends[clash]?.tls;
      if (cert && f.tls && other)
        ctx.addIssue({
          code: 'custom',
          path: ['frontends', i, 'tls', 'cert'],
          message: `lands on the host as ${cert}, as ${other.cert} of frontends[${clash}] does: give one of them another file name`,
        });
    });
    if (v.keepalived) checkVrids(v.vips, v.keepalived, ctx);
  });

export type StackVars = z.infer<typeof stackVarsSchema>;

/** Per-host variables the stack reads from each host of the stack group. */
export const stackHostVarsSchema = z.object({
  /** keepalived mode: the VIPs this host owns (MASTER when healthy). Each VIP has exactly one owner. */
  vrrp_vips: z.array(ipv4).default([]),
  /** keepalived mode: this host's priority for VIPs it backs up (51-249, distinct per host); default 150 - its index in the group. */
  vrrp_priority: z.number().int().min(51).max(249).optional(),
  /** The address used for BGP (router-id, local-address) and VRRP unicast; default the inventory address. */
  local_address: ipv4.optional(),
});

export type StackHostVars = z.infer<typeof stackHostVarsSchema>;

/** VRID of each VIP: explicit from `keepalived.vrids`, else vrid_base + index. */
export function vridsFor(vips: readonly string[], k: { vrids: Record<string, number>; vrid_base: number }): number[] {
  return vips.map((vip, i) => k.vrids[vip] ?? k.vrid_base + i);
}

/** The file name a TLS certificate gets on the host (its basename, .pem added when missing). */
export function certFileName(path: string): string {
  const base = path.split('/').pop() ?? path;
  return base.endsWith('.pem') ? base : `${base}.pem`;
}

function checkVrids(vips: string[], k: z.infer<typeof keepalived>, ctx: z.RefinementCtx): void {
  for (const vip of Object.keys(k.vrids)) {
    if (!vips.includes(vip))
      ctx.addIssue({ code: 'custom', path: ['keepalived', 'vrids', vip], message: 'not one of vips' });
  }
  const ids = vridsFor(vips, k);
  ids.forEach((id, i) => {
    const vip = vips[i] ?? '';
    const explicit = vip in k.vrids;
    const path = explicit ? ['keepalived', 'vrids', vip] : ['keepalived', 'vrid_base'];
    if (id > 255) ctx.addIssue({ code: 'custom', path, message: `VRID ${id} for ${vip} exceeds 255` });
    const first = ids.indexOf(id);
    if (first !== i)
      ctx.addIssue({ code: 'custom', path, message: `VRID ${id} of ${vip} collides with ${vips[first] ?? ''}` });
  });
}

/** Indexes of items that repeat an earlier item. */
function duplicates(items: readonly unknown[]): number[] {
  return items.flatMap((x, i) => (items.indexOf(x) !== i ? [i] : []));
}
