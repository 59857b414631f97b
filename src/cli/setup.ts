// What every running command needs, built in the order that keeps bad input from touching anything:
// load and validate all input first; only then create connections and API clients.
import { createTimelineReporter } from '../report/timeline.js';
import { fileURLToPath } from 'node:url';
import type { VmResolver } from '../core/module.js';
import type { EmitEvent } from '../engine/events.js';
import { createJsonReporter } from '../report/json.js';
import { createListrReporter } from '../report/listr.js';
import { createPlainReporter } from '../report/plain.js';
import { redactingReporter } from '../report/redacting.js';
import type { Reporter } from '../report/types.js';
import type { Inventory } from '../inventory/types.js';
import { SecretSet } from '../secrets/secret-set.js';

/** The directory ober-push is installed in (holds playbooks/ and templates/). */
export const packageRoot = fileURLToPath(new URL('../../', import.meta.url));

export function defaultPlaybook(name: string): string {
  return fileURLToPath(new URL(`../../playbooks/${name}`, import.meta.url));
}

export function colorEnabled(stream: NodeJS.WriteStream): boolean {
  return stream.isTTY && !process.env['NO_COLOR'];
}

/** The run's reporter; every event it renders is redacted with `secrets` first. */
export function makeReporter(
  options: { reporter?: string; json?: boolean; diff?: boolean; verbose?: boolean; timeline?: string },
  secrets: SecretSet = SecretSet.empty,
): Reporter {
  const main = redactingReporter(makeRawReporter(options), secrets);
  if (options.timeline === undefined) return main;
  const timeline = createTimelineReporter(options.timeline, (line) => process.stderr.write(`${line}\n`));
  return {
    onEvent: (event) => {
      main.onEvent(event);
      timeline.onEvent(event);
    },
    close: async () => {
      await main.close();
      await timeline.close();
    },
  };
}

function makeRawReporter(options: { reporter?: string; json?: boolean; diff?: boolean; verbose?: boolean }): Reporter {
  const kind = options.json
    ? 'json'
    : (options.reporter ?? (process.stdout.isTTY && !process.env['CI'] ? 'tty' : 'plain'));
  const common = {
    color: colorEnabled(process.stdout),
    diff: Boolean(options.diff),
    verbose: Boolean(options.verbose),
  };
  if (kind === 'json') return createJsonReporter(process.stdout);
  if (kind === 'tty') return createListrReporter(process.stdout, common);
  return createPlainReporter(process.stdout, common);
}

/** A resolver for hosts' `vm:` bindings; loads the Proxmox client code only when the inventory has endpoints. */
export async function makeVmResolver(inventory: Inventory, emit: EmitEvent): Promise<VmResolver> {
  if (inventory.proxmox.size === 0) return { forHost: () => Promise.resolve(null) };
  const { createVmResolver } = await import('../proxmox/index.js');
  return createVmResolver(inventory, {
    onEvent: (event) => {
      if (event.type === 'warning') emit({ type: 'warning', message: `proxmox ${event.endpoint}: ${event.message}` });
    },
  });
}
