// `ober-push resume`: continue the last rolling run recorded in ./.ober-push/journal from each node's phase.
// `ober-push restore --limit NODE`: health-gate and re-announce withdrawn nodes, then release the roll's locks.
import { hostname } from 'node:os';
import { dirname, resolve } from 'node:path';
import { UsageError } from '../../core/errors.js';
import { HostSession } from '../../engine/host-session.js';
import { planPlays, type RunOptions } from '../../engine/run-playbook.js';
import { ExtraVarsMismatch, RunStillRunning } from '../../engine/rolling/errors.js';
import { compareExtraVars, readLatestJournal } from '../../engine/rolling/journal.js';
import { pidAlive } from '../../engine/rolling/lock.js';
import { restoreNodes } from '../../engine/rolling/restore.js';
import { targetFromVars } from '../../engine/rolling/target.js';
import { magicVars } from '../../engine/vars.js';
import { parseExtraVars } from '../../inventory/vars.js';
import { selectHosts } from '../../inventory/select.js';
import { builtinModules } from '../../modules/registry.js';
import { loadPlaybook } from '../../playbook/load.js';
import { withSecrets } from '../../secrets/error-with-secrets.js';
import { addProxmoxSecrets, createSecretResolver } from '../../secrets/load.js';
import { resolveInventorySecrets, resolvePlaybookSecrets } from '../../secrets/resolve-run.js';
import { createConnector } from '../connect.js';
import { resolveRunNames } from '../resolve-names.js';
import { ExitCode } from '../exit-codes.js';
import { executeRun } from '../execute.js';
import { parseForks } from './deploy.js';
import type { RestoreCliOptions, RunCliOptions } from '../options.js';
import { makeReporter, makeVmResolver } from '../setup.js';
import { varsFor } from '../../engine/host-vars.js';
import { routerLookup } from '../routers.js';
import { loadCommandInventory } from '../load-inventory.js';

export async function resumeCommand(opts: RunCliOptions): Promise<number> {
  const journal = await readLatestJournal(process.cwd());
  if (!journal)
    throw new UsageError(
      `no rolling journal in ${resolve('.ober-push/journal')}: nothing to resume (resume runs in the directory the roll ran in)`,
    );
  if (journal.status === 'done') {
    process.stdout.write(`run ${journal.runId} finished: nothing to resume\n`);
    return ExitCode.ok;
  }
  // The run it continues must be gone: resuming a live roll runs two at once. (A live lock on a node, from the
  // run's process on another workstation or a copy of this journal, is refused by the roll's preflight.)
  if (journal.workstation === hostname() && journal.pid !== process.pid && pidAlive(journal.pid)) {
    throw new RunStillRunning({
      runId: journal.runId,
      pid: journal.pid,
      workstation: journal.workstation,
      startedAt: journal.startedAt,
    });
  }
  const resolver = await createSecretResolver(opts);
  // The journal keeps the names of the run's -e variables, never their values: the operator gives them again.
  const extraVars = parseExtraVars(opts.extraVars, process.cwd(), resolver);
  const vars = compareExtraVars(journal, extraVars);
  if (vars.missing.length > 0 || vars.unexpected.length > 0)
    throw new ExtraVarsMismatch({ runId: journal.runId, ...vars, expected: journal.options.extraVarNames });
  const playbook = resolvePlaybookSecrets(await loadPlaybook(journal.playbook, builtinModules), resolver);
  const inventory = resolveInventorySecrets(await loadCommandInventory(opts.inventory), resolver);
  await addProxmoxSecrets(inventory, resolver);
  const secrets = resolver.secrets();
  const options: RunOptions = {
    check: Boolean(opts.check),
    diff: Boolean(opts.diff),
    verify: Boolean(opts.verify),
    forks: parseForks(opts.forks),
    tags: journal.options.tags,
    skipTags: journal.options.skipTags,
    extraVars,
    ...(journal.options.limit ? { limit: journal.options.limit } : {}),
    ...(opts.breakLock ? { breakLock: true } : {}),
    rolling: { resume: journal, inventory: opts.inventory },
    resolvedNames: await resolveRunNames(inventory, playbook, extraVars),
  };
  const notice = `resuming run ${journal.runId} (${journal.playbook}, started ${journal.startedAt} by ${journal.user}@${journal.workstation})`;
  return withSecrets(secrets, async () => {
    planPlays(inventory, playbook, options, { modules: builtinModules, baseDir: dirname(playbook.file) });
    return executeRun(inventory, playbook, options, { ...opts, detailedExitcode: false }, notice, secrets);
  });
}

export async function restoreCommand(opts: RestoreCliOptions): Promise<number> {
  if (!opts.limit) throw new UsageError('restore needs --limit NODE (the withdrawn node(s) to put back into service)');
  const resolver = await createSecretResolver(opts);
  const inventory = resolveInventorySecrets(await loadCommandInventory(opts.inventory), resolver);
  await addProxmoxSecrets(inventory, resolver);
  const selected = selectHosts(inventory, opts.limit);
  const reporter = makeReporter(opts, resolver.secrets());
  const emit = reporter.onEvent.bind(reporter);
  const connector = createConnector(inventory, {
    acceptNewHostKeys: Boolean(opts.acceptNewHostKeys),
    sshConfig: opts.sshConfig,
  });
  const vms = await makeVmResolver(inventory, emit);
  const magic = magicVars(inventory);
  const routers = routerLookup(inventory, connector.connect);
  const nodes = [...inventory.hosts.values()].map((host) => {
    const vars = varsFor({ host, magic });
    return {
      session: new HostSession({ host, connect: connector.connect, vms, emit }),
      target: targetFromVars(host.name, host.address, vars, 'bgp', routers),
    };
  });
  try {
    const ok = await restoreNodes({
      nodes,
      selected,
      emit,
      options: { inventory: opts.inventory, journalBaseDir: process.cwd(), check: Boolean(opts.check) },
    });
    return ok ? ExitCode.ok : ExitCode.taskFailed;
  } finally {
    await connector.closeAll();
    await reporter.close();
  }
}
