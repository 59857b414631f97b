// `ober-push deploy`: load and validate everything, then run the playbook and map the outcome to an exit code.
import { dirname, resolve } from 'node:path';
import { loadInventory } from '../../inventory/load.js';
import { parseExtraVars } from '../../inventory/vars.js';
import { builtinModules } from '../../modules/registry.js';
import { loadPlaybook } from '../../playbook/load.js';
import { planPlays, runPlaybook, type RunOptions } from '../../engine/run-playbook.js';
import { renderValue } from '../../render/template.js';
import { UsageError } from '../../core/errors.js';
import { exitCodeFor } from '../exit-codes.js';
import type { RunCliOptions } from '../options.js';
import { defaultPlaybook, makeReporter, makeVmResolver } from '../setup.js';

export async function deploy(playbookArg: string | undefined, opts: RunCliOptions, fallback = 'site.yml'): Promise<number> {
  const forks = Number.parseInt(opts.forks, 10);
  if (!Number.isInteger(forks) || forks < 1) throw new UsageError(`--forks: expected a positive integer, got "${opts.forks}"`);
  const inventory = await loadInventory(opts.inventory);
  const playbookFile = resolve(playbookArg ?? defaultPlaybook(fallback));
  const playbook = await loadPlaybook(playbookFile, builtinModules);
  const options: RunOptions = {
    check: Boolean(opts.check),
    diff: Boolean(opts.diff),
    verify: Boolean(opts.verify),
    forks,
    tags: splitList(opts.tags),
    skipTags: splitList(opts.skipTags),
    extraVars: parseExtraVars(opts.extraVars, process.cwd()),
    ...(opts.limit ? { limit: opts.limit } : {}),
    ...(opts.startAtTask ? { startAtTask: opts.startAtTask } : {}),
    ...(opts.breakLock ? { breakLock: true } : {}),
  };
  planPlays(inventory, playbook, options); // every selection error surfaces here, before any connection

  // Loaded only once the input is valid: bad input never pays for ssh2 or the Proxmox client.
  const [{ createConnector }, { isPveConflict }] = await Promise.all([import('../connect.js'), import('../../proxmox/errors.js')]);
  const reporter = makeReporter(opts);
  const emit = reporter.onEvent.bind(reporter);
  const connector = createConnector(inventory, { acceptNewHostKeys: Boolean(opts.acceptNewHostKeys), sshConfig: opts.sshConfig });
  const vms = await makeVmResolver(inventory, emit);
  const abort = new AbortController();
  const onSigint = () => {
    if (abort.signal.aborted) process.exit(130);
    emit({ type: 'warning', message: 'interrupted: finishing the running tasks, starting no new ones (Ctrl-C again to quit now)' });
    abort.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    const summary = await runPlaybook(
      { inventory, modules: builtinModules, connect: connector.connect, vms, emit, renderArgs: renderValue, isConflict: isPveConflict },
      playbook,
      { ...options, signal: abort.signal },
      dirname(playbookFile),
    );
    return exitCodeFor(summary, { check: options.check, detailedExitcode: Boolean(opts.detailedExitcode) });
  } finally {
    process.off('SIGINT', onSigint);
    await connector.closeAll();
    await reporter.close();
  }
}

function splitList(value: string | undefined): string[] {
  return value ? value.split(',').map((s) => s.trim()).filter(Boolean) : [];
}
