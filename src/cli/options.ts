// Options shared by the commands that run playbooks (deploy, rolling-restart, upgrade).
import { Command, Option } from 'commander';

export interface RunCliOptions {
  inventory: string;
  limit?: string;
  check?: boolean;
  diff?: boolean;
  verify?: boolean;
  forks: string;
  tags?: string;
  skipTags?: string;
  extraVars: string[];
  startAtTask?: string;
  reporter?: 'tty' | 'plain' | 'json';
  json?: boolean;
  detailedExitcode?: boolean;
  acceptNewHostKeys?: boolean;
  sshConfig?: string;
  verbose?: boolean;
  debug?: boolean;
  breakLock?: boolean;
  vaultPasswordFile?: string;
  askVaultPass?: boolean;
  timeline?: string;
}

const collect = (value: string, previous: string[]) => [...previous, value];

/** `restore` runs no playbook: it takes only what it honours (no --diff, --verify, --tags, -e, --forks). */
export type RestoreCliOptions = Pick<
  RunCliOptions,
  | 'inventory'
  | 'limit'
  | 'check'
  | 'reporter'
  | 'json'
  | 'acceptNewHostKeys'
  | 'sshConfig'
  | 'verbose'
  | 'debug'
  | 'vaultPasswordFile'
  | 'askVaultPass'
>;

export function addRestoreOptions(command: Command): Command {
  return command
    .requiredOption('-i, --inventory <path>', 'inventory file or directory')
    .option('-l, --limit <pattern>', 'the withdrawn node(s) to put back into service')
    .option('-C, --check', 'report per node what restore would do (read-only probes), change nothing')
    .addOption(
      new Option('--reporter <kind>', 'output: tty (listr2 tree), plain lines, json lines').choices([
        'tty',
        'plain',
        'json',
      ]),
    )
    .option('--json', 'same as --reporter json')
    .option('--accept-new-host-keys', 'record unknown host keys (never changed ones)')
    .option('--ssh-config <file>', 'ssh_config file (default ~/.ssh/config)')
    .option('-v, --verbose', 'also print ok and skipped steps (plain reporter)')
    .option('--debug', 'stack traces on errors')
    .option('--vault-password-file <file>', 'password for ansible-vault encrypted values and vars files')
    .option('--ask-vault-pass', 'prompt for the vault password (needs a terminal)');
}

export function addRunOptions(command: Command): Command {
  return command
    .requiredOption('-i, --inventory <path>', 'inventory file or directory')
    .option('-l, --limit <pattern>', 'only hosts matching: names, groups, globs, a,b lists, !exclude, &intersect')
    .option('-C, --check', 'plan only: change nothing, report what would change')
    .option('-D, --diff', 'show unified diffs of file and config changes')
    .option('--verify', 'after applying, plan again: anything still pending fails the run')
    .option('-f, --forks <n>', 'hosts in parallel', '50')
    .option('-t, --tags <list>', 'only tasks with these tags (comma list)')
    .option('--skip-tags <list>', 'skip tasks with these tags (comma list)')
    .option('-e, --extra-vars <vars>', 'key=value, @file.yml or JSON; highest precedence (repeatable)', collect, [])
    .option('--start-at-task <name>', 'start at the first task with this name')
    .addOption(
      new Option('--reporter <kind>', 'output: tty (listr2 tree), plain lines, json lines').choices([
        'tty',
        'plain',
        'json',
      ]),
    )
    .option('--json', 'same as --reporter json')
    .option('--detailed-exitcode', 'with --check: exit 3 when changes were found')
    .option('--timeline <file>', "rolls: write an SVG of each node's steps, next hops in rotation and loss counters")
    .option('--accept-new-host-keys', 'record unknown host keys (never changed ones)')
    .option('--ssh-config <file>', 'ssh_config file (default ~/.ssh/config)')
    .option('-v, --verbose', 'also print ok and skipped tasks (plain reporter)')
    .option('--debug', 'stack traces on errors')
    .option('--vault-password-file <file>', 'password for ansible-vault encrypted values and vars files')
    .option('--ask-vault-pass', 'prompt for the vault password (needs a terminal)');
}
