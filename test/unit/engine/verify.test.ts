// --verify's typed verdict: a host that ignores every write (the recording transport answers probes the same
// before and after) makes a write module fail as not converged, naming what was applied and what is still planned.
import { describe, expect, it } from 'vitest';
import { runOnFakes } from '../../support/engine-run.js';
import { debianFacts } from '../../support/engine-responders.js';

const INVENTORY = 'test/fixtures/engine/inventory.yml';

describe('--verify', () => {
  it('names the change that did not converge, as data in the task report', async () => {
    const r = await runOnFakes('playbooks/examples/copy.yml', INVENTORY, { verify: true }, [debianFacts]);
    const task = r.tasks.find((t) => t.host === 'lb01' && t.task === 'hosts map');
    expect(task?.status).toBe('failed');
    expect(task?.verify).toEqual({
      converged: false,
      module: 'copy',
      applied: ['create /etc/haproxy/hosts.map (mode 0644)'],
      stillPlanned: ['create /etc/haproxy/hosts.map (mode 0644)'],
    });
    expect(task?.message).toBe('--verify: module copy did not converge: 1 change(s) still planned after applying');
    expect(task?.detail).toBe(
      'applied: create /etc/haproxy/hosts.map (mode 0644)\nstill planned: create /etc/haproxy/hosts.map (mode 0644)',
    );
    // The failed task stopped the host: nothing after it ran there.
    expect(r.tasks.filter((t) => t.host === 'lb01').map((t) => t.task)).toEqual(['gather facts', 'hosts map']);
  });
  it('a task with nothing left to do, and an action (it runs by design), are reported converged', async () => {
    const r = await runOnFakes('playbooks/examples/assert.yml', INVENTORY, { verify: true }, [debianFacts]);
    const assert = r.tasks.find((t) => t.host === 'lb01' && t.task === 'enough CPUs and a VIP defined');
    expect(assert).toMatchObject({ status: 'ok', verify: { converged: true } });
    const cmd = await runOnFakes('playbooks/examples/command.yml', INVENTORY, { verify: true }, [debianFacts]);
    const dhparam = cmd.tasks.find((t) => t.host === 'lb01' && t.task === 'openssl dhparam');
    expect(dhparam).toMatchObject({ status: 'changed', verify: { converged: true } });
  });
  it('check mode carries no verdict (nothing was applied)', async () => {
    const r = await runOnFakes('playbooks/examples/copy.yml', INVENTORY, { check: true, verify: true }, [debianFacts]);
    expect(r.tasks.filter((t) => t.verify !== undefined)).toEqual([]);
  });
});
