// The ober-push command line. Heavy modules (ssh2, listr2, handlebars) load only inside the command that needs them,
// so `ober-push --help` starts fast.
import { Command, CommanderError, Option } from 'commander';
import { ExitCode } from './exit-codes.js';
import { describeError } from './format-error.js';
import type { FactsOptions } from './commands/facts.js';
import type { InventoryOptions } from './commands/inventory.js';
import type { FleetCommandOptions } from './commands/status.js';
import type { VmStatusOptions } from './commands/vm-status.js';
import { addRestoreOptions, addRunOptions, type RestoreCliOptions, type RunCliOptions } from './options.js';
import { ErrorWithSecrets } from '../secrets/error-with-secrets.js';

/** Each command's action reports its exit code here. */
type SetCode = (code: number) => void;

export async function main(argv: string[]): Promise<number> {
  const program = new Command('ober-push')
    .description('Agentless push over SSH for Herr Ober S3 ingress fleets (HAProxy, ExaBGP, keepalived) on Proxmox VE')
    .version('0.1.0')
    .exitOverride()
    .showHelpAfterError(false)
    .configureOutput({ writeErr: (s) => process.stderr.write(s), writeOut: (s) => process.stdout.write(s) });

  let code: number = ExitCode.ok;
  const setCode: SetCode = (c) => {
    code = c;
  };

  addPlaybookCommands(program, setCode);
  addFleetCommands(program, setCode);
  addInventoryCommands(program, setCode);

  program.addOption(new Option('--debug', 'stack traces on errors').hideHelp());

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? ExitCode.ok : ExitCode.invalidInput;
    }
    // An error raised once the run's secrets were known carries them: its printed text is redacted by value.
    const scoped = error instanceof ErrorWithSecrets ? error : null;
    const { lines, code: errorCode } = describeError(scoped ? scoped.error : error, argv.includes('--debug'));
    process.stderr.write(`${lines.map((l) => (scoped ? scoped.secrets.redact(l) : l)).join('\n')}\n`);
    return errorCode;
  }
  return code;
}

/** deploy, rolling-restart, upgrade, resume and restore: the commands that run a playbook or a roll. */
function addPlaybookCommands(program: Command, setCode: SetCode): void {
  addRunOptions(
    program
      .command('deploy')
      .description('run a playbook (default: playbooks/site.yml) against the inventory')
      .argument('[playbook]', 'playbook file'),
  ).action(async (playbook: string | undefined, opts: RunCliOptions) =>
    setCode(await (await import('./commands/deploy.js')).deploy(playbook, opts)),
  );

  addRunOptions(
    program
      .command('rolling-restart')
      .description('restart the stack node by node: withdraw, drain, restart, health gate, re-announce')
      .argument('[playbook]', 'playbook file (default: playbooks/rolling-restart.yml)'),
  )
    .option('--break-lock', 'take over a stale roll lock (it names who held it and since when)')
    .action(async (playbook: string | undefined, opts: RunCliOptions) =>
      setCode(await (await import('./commands/deploy.js')).deploy(playbook, opts, 'rolling-restart.yml')),
    );

  addRunOptions(
    program
      .command('upgrade')
      .description('upgrade the stack packages node by node, with the same safety as rolling-restart')
      .argument('[playbook]', 'playbook file (default: playbooks/upgrade.yml)'),
  )
    .option('--break-lock', 'take over a stale roll lock (it names who held it and since when)')
    .action(async (playbook: string | undefined, opts: RunCliOptions) =>
      setCode(await (await import('./commands/deploy.js')).deploy(playbook, opts, 'upgrade.yml')),
    );

  addRunOptions(
    program.command('resume').description('continue an interrupted rolling run from the phase its journal recorded'),
  ).action(async (opts: RunCliOptions) => setCode(await (await import('./commands/resume.js')).resumeCommand(opts)));

  addRestoreOptions(
    program.command('restore').description('re-announce withdrawn nodes that are healthy (use --limit)'),
  ).action(async (opts: RestoreCliOptions) =>
    setCode(await (await import('./commands/resume.js')).restoreCommand(opts)),
  );
}

/** status and doctor: read-only views of the nodes. */
function addFleetCommands(program: Command, setCode: SetCode): void {
  program
    .command('status')
    .description('one line per node: services, HAProxy, BGP/VRRP, NIC queues, watchdog, sysctl drift; then a verdict')
    .requiredOption('-i, --inventory <path>', 'inventory file or directory')
    .option('-l, --limit <pattern>', 'only hosts matching the pattern')
    .option('--json', 'JSON output')
    .option('--accept-new-host-keys', 'record unknown host keys (never changed ones)')
    .option('--ssh-config <file>', 'ssh_config file (default ~/.ssh/config)')
    .action(async (opts: FleetCommandOptions) =>
      setCode(await (await import('./commands/status.js')).statusCommand(opts)),
    );

  program
    .command('doctor')
    .description('check each node for the known failure modes and say how to fix each')
    .requiredOption('-i, --inventory <path>', 'inventory file or directory')
    .option('-l, --limit <pattern>', 'only hosts matching the pattern')
    .option('--json', 'JSON output')
    .option('--accept-new-host-keys', 'record unknown host keys (never changed ones)')
    .option('--ssh-config <file>', 'ssh_config file (default ~/.ssh/config)')
    .action(async (opts: FleetCommandOptions) =>
      setCode(await (await import('./commands/doctor.js')).doctorCommand(opts)),
    );
}

/** vm status, inventory, facts and modules. */
function addInventoryCommands(program: Command, setCode: SetCode): void {
  program
    .command('vm')
    .description('Proxmox VM hardware')
    .command('status')
    .description(
      "each VM's cpu, cores, NIC queues, watchdog, balloon, pending changes and run state vs the desired values",
    )
    .requiredOption('-i, --inventory <path>', 'inventory file or directory')
    .option('-l, --limit <pattern>', 'only hosts matching the pattern')
    .option('--json', 'JSON output')
    .action(async (opts: VmStatusOptions) =>
      setCode(await (await import('./commands/vm-status.js')).vmStatusCommand(opts)),
    );

  program
    .command('inventory')
    .description('print resolved hosts, groups and merged variables (secrets redacted)')
    .requiredOption('-i, --inventory <path>', 'inventory file or directory')
    .option('--list', 'every host with its merged variables (default)')
    .option('--graph', 'the group tree')
    .option('--host <name>', 'one host')
    .option('-l, --limit <pattern>', 'only hosts matching the pattern')
    .option('--json', 'JSON output')
    .option('--vault-password-file <file>', 'password for ansible-vault encrypted values')
    .option('--ask-vault-pass', 'prompt for the vault password (needs a terminal)')
    .action(async (opts: InventoryOptions) =>
      setCode(await (await import('./commands/inventory.js')).inventoryCommand(opts)),
    );

  program
    .command('facts')
    .description('gather and print facts (one round trip per host)')
    .requiredOption('-i, --inventory <path>', 'inventory file or directory')
    .option('-l, --limit <pattern>', 'only hosts matching the pattern')
    .option('-f, --forks <n>', 'hosts in parallel', '50')
    .option('--json', 'JSON output')
    .option('--accept-new-host-keys', 'record unknown host keys (never changed ones)')
    .option('--ssh-config <file>', 'ssh_config file (default ~/.ssh/config)')
    .option('--debug', 'stack traces on errors')
    .action(async (opts: FactsOptions) => setCode(await (await import('./commands/facts.js')).factsCommand(opts)));

  program
    .command('modules')
    .description('list the modules, or describe one')
    .argument('[name]', 'module name')
    .action(async (name: string | undefined) => setCode((await import('./commands/modules.js')).modulesCommand(name)));
}
