// The engine's own behaviour over a recording transport, as exact command tables: a loop runs once per item that
// passes its `when`, `register` keeps every item's result, a later `when` reads it, and a changed task's handler
// runs once at the end. --check runs the same decisions and sends no command that applies a change.
import { describe, expect, it } from 'vitest';
import { runOnFakes, type EngineRun } from '../../support/engine-run.js';
import { commandHead, debianFacts } from '../../support/engine-responders.js';

const PLAYBOOK = 'test/fixtures/engine/loop-register-notify.yml';
const INVENTORY = 'test/fixtures/engine/inventory.yml';

const run = (check: boolean): Promise<EngineRun> => runOnFakes(PLAYBOOK, INVENTORY, { check }, [debianFacts]);
const lb01 = (r: EngineRun) => r.tasks.filter((t) => t.host === 'lb01');

describe('loop, when, register and notify', () => {
  it('a real run applies exactly these commands on each host', async () => {
    const r = await run(false);
    expect(lb01(r).map((t) => `${t.task}: ${t.status}`)).toEqual([
      'gather facts: ok',
      'one list per item: changed',
      'the version, when the lists changed: changed',
      'never, when nothing changed: skipped',
      'reload haproxy: changed',
    ]);
    for (const host of ['lb01', 'lb02']) {
      const applied = r.commands.filter((c) => c.host === host && c.purpose === 'apply');
      expect(applied.map((c) => commandHead(c.command))).toEqual([
        'dest=/etc/haproxy/lists/internal.lst',
        'dest=/etc/haproxy/lists/partners.lst',
        'haproxy -v',
        'u=haproxy.service; systemctl start -- "$u" || { rc=$?; systemctl status ',
      ]);
    }
    // Each put carries its item's bytes, and nothing for the item its `when` skipped.
    const stdins = r.commands.filter((c) => c.host === 'lb01' && c.purpose === 'apply').map((c) => c.stdin);
    expect(stdins.slice(0, 2)).toEqual(['internal\n', 'partners\n']);
  });
  it('--check takes the same decisions and applies nothing', async () => {
    const r = await run(true);
    expect(lb01(r).map((t) => `${t.task}: ${t.status}`)).toEqual([
      'gather facts: ok',
      'one list per item: changed',
      'the version, when the lists changed: unknown',
      'never, when nothing changed: skipped',
      'reload haproxy: changed',
    ]);
    expect(r.commands.filter((c) => c.purpose === 'apply')).toEqual([]);
  });
});
