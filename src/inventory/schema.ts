// The shape of one inventory file, as zod schemas with our own expectations in every message.
import { z } from 'zod';
import { parseCidr } from './cidr.js';

const CLEAR_TEXT_SECRET = 'secrets are never written into the inventory in clear; use {env: NAME} or {file: PATH}';

const text = z.string({ error: 'expected a string' }).min(1, { error: 'expected a non-empty string' });

export const varsSchema = z.record(
  z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, {
    error: 'expected a variable name (letters, digits and _, not starting with a digit)',
  }),
  z.unknown(),
  { error: 'expected a mapping of variables' },
);

// A login name reaches ssh_config's %r (ProxyCommand) too: no shell metacharacters, as OpenSSH itself requires.
const user = z.string({ error: 'expected a user name' }).regex(/^(?!-)[A-Za-z0-9._@-]+$/, {
  error: 'expected a user name: letters, digits, ".", "_", "-" and "@", not starting with "-"',
});

const port = z.int({ error: 'expected an integer 1-65535' }).min(1).max(65535);

// Host name or IP characters only (a range like 10.0.0.1[1-3] included): the address reaches ssh_config's %h and
// ProxyCommand, where a shell would run anything else (OpenSSH refuses such names since CVE-2023-51385).
const address = z.string({ error: 'expected a host name or an IP address' }).regex(/^(?![-.])[A-Za-z0-9._:%[\],-]+$/, {
  error:
    'expected a host name or an IP address: letters, digits, ".", "-", "_", ":" and a [range], not starting with "-"',
});

const vmBinding = z
  .strictObject({
    proxmox: text,
    node: z
      .string({ error: 'expected a Proxmox node name' })
      .regex(/^[A-Za-z0-9][A-Za-z0-9.-]*$/, { error: 'expected a Proxmox node name' }),
    vmid: z.int({ error: 'expected a VM id (an integer 100-999999999)' }).min(100).max(999_999_999).optional(),
    name: text.optional(),
  })
  .superRefine((vm, ctx) => {
    if (vm.vmid === undefined && vm.name === undefined)
      ctx.addIssue({ code: 'custom', message: 'set "vmid" or "name" to identify the VM' });
    if (vm.vmid !== undefined && vm.name !== undefined)
      ctx.addIssue({ code: 'custom', message: 'set either "vmid" or "name", not both' });
  });

const hostEntry = z
  .strictObject({
    address: address.optional(),
    port: port.optional(),
    user: user.optional(),
    identity_file: text.optional(),
    vm: vmBinding.optional(),
    vars: varsSchema.optional(),
  })
  .nullable();

const groupEntry = z
  .strictObject({
    hosts: z.array(text, { error: 'expected a list of host names' }).optional(),
    children: z.array(text, { error: 'expected a list of group names' }).optional(),
    vars: varsSchema.optional(),
  })
  .nullable();

// Anything but {env} / {file} is taken for a clear-text secret, and never echoed back.
const secretRef = z.union(
  [z.strictObject({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/) }), z.strictObject({ file: text })],
  {
    error: (issue) =>
      typeof issue.input === 'object' && issue.input !== null && !Array.isArray(issue.input)
        ? 'expected {env: NAME} (an environment variable name) or {file: PATH}'
        : CLEAR_TEXT_SECRET,
  },
);

const proxmoxEntry = z
  .strictObject({
    url: z.string({ error: 'expected an https:// URL such as https://pve1:8006' }).regex(/^https:\/\/[^\s/]+\/?$/, {
      error: 'expected an https:// URL such as https://pve1:8006',
    }),
    token_id: z.string({ error: 'expected an API token id like user@realm!name' }).regex(/^[^@\s]+@[^!\s]+![^\s]+$/, {
      error: 'expected an API token id like user@realm!name',
    }),
    token_secret: secretRef,
    fingerprint: z
      .string({ error: 'expected a SHA-256 fingerprint (32 hex pairs separated by ":")' })
      .regex(/^([0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2}$/, {
        error: 'expected a SHA-256 fingerprint (32 hex pairs separated by ":")',
      })
      .optional(),
    ca_file: text.optional(),
    insecure: z.literal(true, { error: 'expected true (leave the key out otherwise)' }).optional(),
  })
  .superRefine((entry, ctx) => {
    const set = (['fingerprint', 'ca_file', 'insecure'] as const).filter((k) => entry[k] !== undefined);
    if (set.length !== 1) {
      const found = set.length === 0 ? 'none' : set.join(' and ');
      ctx.addIssue({
        code: 'custom',
        message: `set exactly one of fingerprint, ca_file or insecure: true (found ${found})`,
      });
    }
  });

// A router the nodes peer with, asked (read-only) which next hops carry a VIP: over SSH, or on this machine.
const routerEntry = z
  .strictObject({
    kind: z.enum(['bird', 'frr', 'linux', 'command'], { error: 'expected bird, frr, linux or command' }),
    ssh: z.strictObject({ address, user: user.optional(), port: port.optional() }).optional(),
    local: z.literal(true, { error: 'expected true (leave the key out otherwise)' }).optional(),
    /** Run the query through `sudo -n` (birdc and vtysh usually need root or their group). */
    sudo: z.boolean({ error: 'expected true or false' }).optional(),
    /** bird: birdc's control socket (-s); frr: vtysh's socket directory (--vty_socket). */
    socket: text.optional(),
    /** command: the command line; {vip} becomes the VIP (quoted). */
    command: text.optional(),
    /** command: how to read the next hops from its output. */
    parse: z
      .union([z.strictObject({ regex: text }), z.strictObject({ json_path: text })], {
        error: 'expected {regex: PATTERN} or {json_path: a.b.*.c}',
      })
      .optional(),
    /** An optional router that cannot be asked is reported and skipped; any other fails the step. */
    optional: z.boolean({ error: 'expected true or false' }).optional(),
  })
  .superRefine((r, ctx) => {
    if ((r.ssh === undefined) === (r.local === undefined))
      ctx.addIssue({ code: 'custom', message: 'set exactly one of ssh: {address, user, port} or local: true' });
    if (r.kind === 'command' && (r.command === undefined || r.parse === undefined))
      ctx.addIssue({ code: 'custom', message: 'kind command needs command: and parse:' });
    if (r.kind !== 'command' && (r.command !== undefined || r.parse !== undefined))
      ctx.addIssue({
        code: 'custom',
        message: `command: and parse: are for kind command (kind ${r.kind} has its own)`,
      });
    if (r.socket !== undefined && r.kind !== 'bird' && r.kind !== 'frr')
      ctx.addIssue({
        code: 'custom',
        path: ['socket'],
        message: 'socket: is for kind bird (birdc -s) or frr (vtysh --vty_socket)',
      });
    if (r.parse && 'regex' in r.parse && !compiles(r.parse.regex))
      ctx.addIssue({ code: 'custom', path: ['parse', 'regex'], message: 'not a valid regular expression' });
  });

function compiles(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}

// Hosts read from a Proxmox cluster: which VMs, how they are grouped, where their SSH address comes from.
const nonEmptyList = <T extends z.ZodType>(item: T, what: string) =>
  z
    .array(item, { error: `expected a list of ${what}` })
    .min(1, { error: `expected at least one ${what.replace(/s$/, '')}` });

// Proxmox's own formats: pve-tag, pve-poolid (nested pools with "/"), a node name.
const pveTag = z.string({ error: 'expected a Proxmox tag' }).regex(/^[A-Za-z0-9_][A-Za-z0-9_+.-]*$/, {
  error: 'expected a Proxmox tag: letters, digits, "_", "-", "+" and ".", not starting with "-", "+" or "."',
});
const pveNode = z
  .string({ error: 'expected a Proxmox node name' })
  .regex(/^[A-Za-z0-9][A-Za-z0-9.-]*$/, { error: 'expected a Proxmox node name' });
const pvePool = z
  .string({ error: 'expected a Proxmox pool id' })
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_-]*(\/[A-Za-z0-9_][A-Za-z0-9_-]*){0,2}$/, {
    error: 'expected a Proxmox pool id: letters, digits, "_" and "-" (nested: parent/child)',
  });
// VM names are DNS names; a pattern adds the globs * and ? and the inventory's [ranges].
const vmNamePattern = z.string({ error: 'expected a VM name pattern' }).regex(/^[A-Za-z0-9.*?[\],-]+$/, {
  error: 'expected a VM name pattern: letters, digits, ".", "-", the globs * and ?, and a [range] such as lb[01-03]',
});
const interfaceGlob = z.string({ error: 'expected an interface name or glob' }).regex(/^[A-Za-z0-9_.:@*?-]+$/, {
  error: 'expected an interface name or glob such as eth0 or ens*',
});
const cidr = z
  .string({ error: 'expected a network such as 10.0.0.0/24' })
  .refine((s) => parseCidr(s) !== null, { error: 'expected a network such as 10.0.0.0/24 or 2001:db8::/32' });

const clusterSelect = z
  .strictObject({
    tags: nonEmptyList(pveTag, 'tags').optional(),
    pools: nonEmptyList(pvePool, 'pools').optional(),
    nodes: nonEmptyList(pveNode, 'nodes').optional(),
    names: nonEmptyList(vmNamePattern, 'names').optional(),
  })
  .refine((s) => [s.tags, s.pools, s.nodes, s.names].some((v) => v !== undefined), {
    error: 'select at least one of tags, pools, nodes or names (names: ["*"] takes every VM)',
  });

const clusterAddress = z
  .strictObject({
    from: nonEmptyList(z.enum(['agent', 'tag'], { error: 'expected agent or tag' }), 'sources').optional(),
    interface: interfaceGlob.optional(),
    cidr: cidr.optional(),
  })
  .superRefine((a, ctx) => {
    const from = a.from ?? ['agent'];
    if (new Set(from).size !== from.length)
      ctx.addIssue({ code: 'custom', path: ['from'], message: 'lists a source twice' });
    if (!from.includes('agent') && (a.interface !== undefined || a.cidr !== undefined))
      ctx.addIssue({
        code: 'custom',
        message: "interface: and cidr: choose among the agent's addresses: add agent to from:",
      });
  });

const proxmoxHostsEntry = z.strictObject({
  proxmox: text,
  select: clusterSelect,
  group_by: z
    .array(z.enum(['tag', 'pool', 'node'], { error: 'expected tag, pool or node' }), {
      error: 'expected a list of tag, pool, node',
    })
    .refine((g) => new Set(g).size === g.length, { error: 'lists a kind twice' })
    .optional(),
  address: clusterAddress.optional(),
  missing_address: z.enum(['error', 'skip'], { error: 'expected error or skip' }).optional(),
  user: user.optional(),
  port: port.optional(),
  identity_file: text.optional(),
});

const sshSettings = z.strictObject({
  config: text.optional(),
  known_hosts: text.optional(),
  connect_timeout: z
    .number({ error: 'expected a number of seconds > 0' })
    .positive({ error: 'expected a number of seconds > 0' })
    .optional(),
});

export const inventoryFileSchema = z
  .strictObject({
    hosts: z.record(z.string(), hostEntry).nullable().optional(),
    groups: z.record(z.string(), groupEntry).nullable().optional(),
    vars: varsSchema.nullable().optional(),
    proxmox: z.record(z.string(), proxmoxEntry).nullable().optional(),
    ssh: sshSettings.optional(),
    routers: z.record(z.string(), routerEntry).nullable().optional(),
    proxmox_hosts: z.record(z.string(), proxmoxHostsEntry).nullable().optional(),
  })
  .nullable();

export type InventoryFile = NonNullable<z.infer<typeof inventoryFileSchema>>;
export type HostEntry = NonNullable<z.infer<typeof hostEntry>>;
export type GroupEntry = NonNullable<z.infer<typeof groupEntry>>;
export type ProxmoxEntry = z.infer<typeof proxmoxEntry>;
export type RouterEntry = z.infer<typeof routerEntry>;
export type ProxmoxHostsEntry = z.infer<typeof proxmoxHostsEntry>;
