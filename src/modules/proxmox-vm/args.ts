// Arguments of the proxmox_vm module: only the keys given are managed.
import { z } from 'zod';
import { NIC_MODELS } from '../../proxmox/property-string.js';

export const WATCHDOG_MODELS = ['i6300esb', 'ib700'] as const;
export const WATCHDOG_ACTIONS = ['reset', 'shutdown', 'poweroff', 'pause', 'debug', 'none'] as const;

export const proxmoxVmArgs = z
  .object({
    /** CPU type with optional options, e.g. `host` or `x86-64-v3,flags=+aes`. */
    cpu: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._=;,+-]*$/, 'a CPU type such as host or x86-64-v2-AES')
      .optional(),
    cores: z.number().int().min(1).optional(),
    sockets: z.number().int().min(1).optional(),
    /** Balloon target in MiB; 0 disables the balloon device. */
    balloon: z.number().int().min(0).optional(),
    net: z
      .object({
        index: z.number().int().min(0).max(31).default(0),
        model: z.enum(NIC_MODELS).optional(),
        /** `auto` = sockets × cores (max 64), from the config the VM will have after a cold restart. */
        queues: z.union([z.literal('auto'), z.number().int().min(0).max(64)]).optional(),
      })
      .strict()
      .optional(),
    watchdog: z
      .object({
        model: z.enum(WATCHDOG_MODELS).default('i6300esb'),
        action: z.enum(WATCHDOG_ACTIONS).optional(),
      })
      .strict()
      .optional(),
    onboot: z.boolean().optional(),
    /** defer: leave changes pending and report the need; now: stop and start the VM in this run (disruptive). */
    cold_restart: z.enum(['defer', 'now']).default('defer'),
    /** refuse: on a running VM with network hotplug, write nothing for the NIC and report that it needs a drained window. */
    nic_replug: z.enum(['refuse', 'allow']).default('refuse'),
    /** Seconds the guest gets to shut down (cold_restart: now) before a hard stop. */
    shutdown_timeout: z.number().int().min(1).max(3600).default(180),
  })
  .strict();

export type ProxmoxVmArgs = z.output<typeof proxmoxVmArgs>;
