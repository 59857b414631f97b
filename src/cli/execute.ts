// Runs a loaded, validated playbook the way every playbook command does: reporter, connections,
// Proxmox resolver, Ctrl-C handling, and the exit code. deploy, rolling-restart, upgrade and resume share it.
import { dirname } from 'node:path';
import { runPlaybook, type RunOptions } from '../engine/run-playbook.js';
import type { Inventory } from '../inventory/types.js';
import { builtinModules } from '../modules/registry.js';
import type { Playbook } from '../playbook/types.js';
import { renderValue } from '../render/template.js';
import { SecretSet } from '../secrets/secret-set.js';
import { exitCodeFor } from './exit-codes.js';
import type { RunCliOptions } from './options.js';
import { routerLookup } from './routers.js';
import { makeReporter, makeVmResolver } from './setup.js';

export async function executeRun(
  inventory: Inventory,
  playbook: Playbook,
  options: RunOptions,
  opts: RunCliOptions,
  notice?: string,
  secrets: SecretSet = SecretSet.empty,
): Promise<number> {
  // Loaded only now, once the input is valid: bad input never pays for ssh2 or the Proxmox client.
  const [{ createConnector }, { isPveConflict }] = await Promise.all([
    import('./connect.js'),
    import('../proxmox/errors.js'),
  ]);
  const reporter = makeReporter(opts, secrets);
  const emit = reporter.onEvent.bind(reporter);
  const connector = createConnector(inventory, {
    acceptNewHostKeys: Boolean(opts.acceptNewHostKeys),
    sshConfig: opts.sshConfig,
  });
  const vms = await makeVmResolver(inventory, emit);
  const abort = new AbortController();
  const onSigint = () => {
    if (abort.signal.aborted) process.exit(130);
    emit({
      type: 'warning',
      message: 'interrupted: finishing the running step, starting no new one (Ctrl-C again to quit now)',
    });
    abort.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    if (notice) emit({ type: 'warning', message: notice });
    const summary = await runPlaybook(
      {
        inventory,
        modules: builtinModules,
        connect: connector.connect,
        vms,
        emit,
        renderArgs: renderValue,
        isConflict: isPveConflict,
      },
      playbook,
      {
        ...options,
        signal: abort.signal,
        rolling: { ...options.rolling, routers: routerLookup(inventory, connector.connect) },
      },
      dirname(playbook.file),
    );
    return exitCodeFor(summary, { check: options.check, detailedExitcode: Boolean(opts.detailedExitcode) });
  } finally {
    process.off('SIGINT', onSigint);
    await connector.closeAll();
    await reporter.close();
  }
}
