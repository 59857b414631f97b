// `ober-push modules [NAME]`: the module list, or one module's arguments from its zod schema.
import { UsageError } from '../../core/errors.js';
import { describeModule, formatModuleDoc, formatModuleList } from '../../modules/describe.js';
import { builtinModules } from '../../modules/registry.js';
import { ExitCode } from '../exit-codes.js';

export function modulesCommand(name: string | undefined): number {
  if (!name) {
    process.stdout.write(`${formatModuleList(builtinModules.values())}\n`);
    return ExitCode.ok;
  }
  const module = builtinModules.get(name);
  if (!module)
    throw new UsageError(`no module named "${name}"; known modules: ${[...builtinModules.keys()].join(', ')}`);
  process.stdout.write(`${formatModuleDoc(describeModule(module))}\n`);
  return ExitCode.ok;
}
