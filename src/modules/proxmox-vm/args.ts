// Arguments of the proxmox_vm module: only the keys given are managed.
import { z } from 'zod';
import { NIC_MODELS } from '../../proxmox/property-string.js';

export const WATCHDOG_MODELS = ['i6300esb', 'ib700'] as const;
export const WATCHDOG_ACTIONS = ['reset', 'shutdown', 'poweroff', 'pause', 'debug', 'none'] as const;

export const proxmoxVmArgs = z
  .object({
    cpu: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._=;,+-]*$/, 'a CPU type such as host or x86-64-v2-AES')
      .optional()
      .describe(
        'CPU type with optional options, e.g. `host` or `x86-64-v3,flags=+aes`. Pending until a cold restart on a running VM.',
      ),
    cores: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe('Cores per socket. Pending until a cold restart on a running VM.'),
    sockets: z.number().int().min(1).optional().describe('CPU sockets. Pending until a cold restart on a running VM.'),
    balloon: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe('Balloon target in MiB; 0 disables the balloon device (static memory).'),
    net: z
      .object({
        index: z.number().int().min(0).max(31).default(0).describe('Which netN to manage.'),
        model: z.enum(NIC_MODELS).optional().describe('NIC model, e.g. virtio.'),
        queues: z
          .union([z.literal('auto'), z.number().int().min(0).max(64)])
          .optional()
          .describe(
            'Multiqueue count; `auto` = sockets × cores (max 64), from the config the VM will have after a cold restart.',
          ),
      })
      .strict()
      .optional()
      .describe('The NIC; MAC, bridge, tag, firewall and every other option are kept.'),
    watchdog: z
      .object({
        model: z.enum(WATCHDOG_MODELS).default('i6300esb').describe('Emulated watchdog device.'),
        action: z
          .enum(WATCHDOG_ACTIONS)
          .optional()
          .describe('What the hypervisor does when the guest stops pinging it.'),
      })
      .strict()
      .optional()
      .describe('Watchdog device; pending until a cold restart on a running VM.'),
    onboot: z.boolean().optional().describe('Start the VM when the Proxmox node boots (applies live).'),
    cold_restart: z
      .enum(['defer', 'now'])
      .default('defer')
      .describe(
        'defer: leave changes pending and report the vm-cold-restart need (a rolling play meets it while drained); now: stop and start the VM in this run (disruptive).',
      ),
    nic_replug: z
      .enum(['refuse', 'allow'])
      .default('refuse')
      .describe(
        'refuse: on a running VM with network hotplug, write nothing for the NIC and report that it needs a drained window; allow: re-plug it live (a link drop).',
      ),
    shutdown_timeout: z
      .number()
      .int()
      .min(1)
      .max(3600)
      .default(180)
      .describe('Seconds the guest gets to shut down (cold_restart: now) before a hard stop.'),
  })
  .strict();

export type ProxmoxVmArgs = z.output<typeof proxmoxVmArgs>;
