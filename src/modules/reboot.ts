// reboot: reboot the guest. The engine meets `reconnect-after-reboot`: it reconnects until the boot id differs.
import { z } from 'zod';
import { defineModule } from '../core/module.js';
import { raw, sh, type ShellCommand } from '../core/shell.js';
import { requireOk } from './common/probe.js';

export const rebootArgs = z
  .object({
    timeout: z
      .number()
      .int()
      .positive()
      .default(600)
      .describe('Seconds to wait for SSH to come back with a new boot id.'),
    msg: z
      .string()
      .regex(/^[^\n]*$/)
      .default('Reboot by ober-push')
      .describe('Message logged to the journal before the reboot.'),
  })
  .strict();

export type RebootArgs = z.infer<typeof rebootArgs>;

export interface RebootFacts {
  bootId: string;
}

/** The reboot is detached and delayed a second so the SSH command returns before the connection drops. */
export function rebootCommand(msg: string): ShellCommand {
  return sh`logger -t ober-push -- ${msg} 2>/dev/null; nohup sh -c 'sleep 1; systemctl reboot || shutdown -r now' >/dev/null 2>&1 &`;
}

export const rebootModule = defineModule<RebootArgs, RebootFacts>({
  name: 'reboot',
  description: 'Reboot the guest and wait until SSH answers again with a new boot id (the engine reconnects).',
  args: rebootArgs,
  async gather(ctx) {
    const res = requireOk(await ctx.exec(raw('cat /proc/sys/kernel/random/boot_id')), ctx.host, 'read boot id');
    return { bootId: res.stdout.trim() };
  },
  plan(facts, args) {
    return [
      {
        summary: `reboot (boot id ${facts.bootId}; wait up to ${args.timeout}s for a new one)`,
        ops: [{ kind: 'exec', command: rebootCommand(args.msg) }],
        needs: [{ kind: 'reboot', timeoutS: args.timeout }],
        kind: 'action',
      },
    ];
  },
  result: (facts, args) => ({ boot_id_before: facts.bootId, timeout_s: args.timeout }),
});
