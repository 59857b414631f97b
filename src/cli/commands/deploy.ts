// `ober-push deploy` (and rolling-restart / upgrade with their own default playbook): load and validate
// everything, then run the playbook.
import { dirname, resolve } from 'node:path';
import { UsageError } from '../../core/errors.js';
import { planPlays, type RunOptions } from '../../engine/run-playbook.js';
import { loadInventorySources } from '../../inventory/load.js';
import { parseExtraVars } from '../../inventory/vars.js';
import { builtinModules } from '../../modules/registry.js';
import { loadPlaybook } from '../../playbook/load.js';
import { withSecrets } from '../../secrets/error-with-secrets.js';
import { addProxmoxSecrets, createSecretResolver } from '../../secrets/load.js';
import { resolveInventorySecrets, resolvePlaybookSecrets } from '../../secrets/resolve-run.js';
import { executeRun } from '../execute.js';
import type { RunCliOptions } from '../options.js';
import { defaultPlaybook } from '../setup.js';
import { withClusterHosts } from '../load-inventory.js';
import { resolveRunNames } from '../resolve-names.js';

export async function deploy(
  playbookArg: string | undefined,
  opts: RunCliOptions,
  fallback = 'site.yml',
): Promise<number> {
  const forks = parseForks(opts.forks);
  const resolver = await createSecretResolver(opts);
  const files = await loadInventorySources(opts.inventory);
  // With proxmox_hosts: the variable references are checked now too, before the cluster is read.
  if (files.inventory.clusterSources) resolveInventorySecrets(files.inventory, resolver);
  const playbook = resolvePlaybookSecrets(
    await loadPlaybook(resolve(playbookArg ?? defaultPlaybook(fallback)), builtinModules),
    resolver,
  );
  const options: RunOptions = {
    check: Boolean(opts.check),
    diff: Boolean(opts.diff),
    verify: Boolean(opts.verify),
    forks,
    tags: splitList(opts.tags),
    skipTags: splitList(opts.skipTags),
    extraVars: parseExtraVars(opts.extraVars, process.cwd(), resolver),
    ...(opts.limit ? { limit: opts.limit } : {}),
    ...(opts.startAtTask ? { startAtTask: opts.startAtTask } : {}),
    ...(opts.breakLock ? { breakLock: true } : {}),
    rolling: { inventory: opts.inventory },
  };
  // Every input is checked before the cluster of proxmox_hosts: is read (GETs only), and that before any host.
  const inventory = resolveInventorySecrets(await withClusterHosts(files), resolver);
  await addProxmoxSecrets(inventory, resolver);
  options.resolvedNames = await resolveRunNames(inventory, playbook, options.extraVars);
  const secrets = resolver.secrets();
  return withSecrets(secrets, async () => {
    planPlays(inventory, playbook, options, { modules: builtinModules, baseDir: dirname(playbook.file) }); // every selection, stack-variable and input error surfaces here, before any connection
    return executeRun(inventory, playbook, options, opts, undefined, secrets);
  });
}

export function parseForks(value: string): number {
  const forks = Number.parseInt(value, 10);
  if (!Number.isInteger(forks) || forks < 1 || String(forks) !== value.trim())
    throw new UsageError(`--forks: expected a positive integer, got "${value}"`);
  return forks;
}

function splitList(value: string | undefined): string[] {
  return value
    ? value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : [];
}
