// The shipped rolling playbooks declare the same VM hardware as site.yml: a change pending after a deploy is
// applied by the next roll (its cold restart), and a roll never writes hardware that site.yml would undo.
import { expect, it } from 'vitest';
import { builtinModules } from '../../../src/modules/registry.js';
import { loadPlaybook } from '../../../src/playbook/load.js';

async function vmHardwareTasks(file: string): Promise<Array<{ when: unknown; args: unknown }>> {
  const playbook = await loadPlaybook(`playbooks/${file}`, builtinModules);
  return playbook.plays
    .flatMap((p) => p.tasks)
    .filter((t) => t.module === 'proxmox_vm')
    .map((t) => ({ when: t.when, args: t.args }));
}

it('rolling-restart.yml and upgrade.yml carry site.yml proxmox_vm task, for hosts with a vm binding', async () => {
  const site = await vmHardwareTasks('site.yml');
  expect(site).toHaveLength(1);
  expect(site[0]?.args).toMatchObject({ cpu: 'host', watchdog: { model: 'i6300esb', action: 'reset' } });
  for (const file of ['rolling-restart.yml', 'upgrade.yml']) expect(await vmHardwareTasks(file)).toEqual(site);
});
