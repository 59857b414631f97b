import { describe, expect, it } from 'vitest';
import { parseShow, planService, serviceArgs, systemctlVerb, type UnitState } from '../../../src/modules/service.js';
import { parseSystemdProbe, planSystemd, systemdArgs } from '../../../src/modules/systemd.js';

const SHOW =
  'Id=haproxy.service\nLoadState=loaded\nActiveState=active\nSubState=running\nUnitFileState=enabled\nNeedDaemonReload=no\nFragmentPath=/lib/systemd/system/haproxy.service\n';

const unit = (p: Partial<UnitState>): UnitState => ({ ...parseShow(SHOW), ...p });
const plan = (u: Partial<UnitState>, a: Record<string, unknown>) =>
  planService(unit(u), serviceArgs.parse({ name: 'haproxy', ...a })).map((c) => c.summary);

describe('service', () => {
  it('parses systemctl show', () => {
    expect(parseShow(SHOW)).toEqual({
      id: 'haproxy.service',
      loadState: 'loaded',
      activeState: 'active',
      subState: 'running',
      unitFileState: 'enabled',
      needDaemonReload: false,
      fragmentPath: '/lib/systemd/system/haproxy.service',
    });
  });
  it.each([
    [{}, { state: 'started', enabled: true }, []],
    [{ activeState: 'inactive' }, { state: 'started' }, ['haproxy.service: start']],
    [{ activeState: 'failed' }, { state: 'stopped' }, []],
    [{}, { state: 'stopped', enabled: false }, ['haproxy.service: disable, stop']],
    [{}, { state: 'restarted' }, ['haproxy.service: restart']],
    [{}, { state: 'reloaded' }, ['haproxy.service: reload']],
    [{ activeState: 'inactive' }, { state: 'reloaded' }, ['haproxy.service: start']],
    [{ unitFileState: 'static' }, { enabled: true }, []],
    [{ unitFileState: 'disabled' }, { enabled: true }, ['haproxy.service: enable']],
    [{ needDaemonReload: true }, { state: 'started' }, ['haproxy.service: daemon-reload']],
    [
      { needDaemonReload: true, activeState: 'inactive' },
      { state: 'started' },
      ['haproxy.service: daemon-reload, start'],
    ],
    [
      { unitFileState: 'masked', loadState: 'masked', activeState: 'inactive' },
      { masked: false, state: 'started', enabled: true },
      ['haproxy.service: unmask, enable, start'],
    ],
    [{}, { masked: true }, ['haproxy.service: stop, mask']],
    [
      { loadState: 'not-found', activeState: 'inactive', unitFileState: '' },
      { state: 'started', daemon_reload: true },
      ['haproxy.service: daemon-reload, start (unit not found now)'],
    ],
  ])('%j + %j', (u, a, summaries) => expect(plan(u, a)).toEqual(summaries));
  it('restart repeats; a failed start prints status and journal to stderr', () => {
    const [c] = planService(unit({}), serviceArgs.parse({ name: 'haproxy', state: 'restarted' }));
    expect(c?.kind).toBe('action');
    expect(systemctlVerb('start', 'haproxy.service').text).toBe(
      'u=haproxy.service; systemctl start -- "$u" || { rc=$?; systemctl status --no-pager -- "$u" >&2; journalctl -u "$u" -n 30 --no-pager >&2; exit $rc; }',
    );
  });
  it('rejects a masked unit that should run', () => {
    expect(serviceArgs.safeParse({ name: 'x', masked: true, state: 'started' }).success).toBe(false);
    expect(serviceArgs.safeParse({ name: 'x; reboot' }).success).toBe(false);
  });
});

describe('systemd', () => {
  const out = (stale: string, conf: string, read: string) =>
    `@@ober-section:stale@@\n${stale}@@ober-section:conf@@\n${conf}\n@@ober-section:read@@\n${read}\n`;
  it('parses the probe', () => {
    expect(parseSystemdProbe(out('haproxy.service\nexabgp.service\n', '1700000100', '1700000000'))).toEqual({
      staleUnits: ['haproxy.service', 'exabgp.service'],
      configMtime: 1700000100,
      managerReadAt: 1700000000,
    });
  });
  it.each([
    [{ daemon_reload: true }, out('', '1', '2'), []],
    [{ daemon_reload: true }, out('a.service\n', '1', '2'), ['systemd daemon-reload (changed on disk: a.service)']],
    [
      { daemon_reexec: true },
      out('', '5', '2'),
      ['systemd daemon-reexec (manager config changed since it was last read)'],
    ],
    [
      { daemon_reexec: true, daemon_reload: true },
      out('a.service\n', '5', '2'),
      ['systemd daemon-reexec (manager config changed since it was last read)'],
    ],
    [{ daemon_reexec: true }, out('', '1', '2'), []],
    [{ daemon_reload: true, force: true }, out('', '1', '2'), ['systemd daemon-reload (forced)']],
  ])('%j', (a, text, summaries) =>
    expect(planSystemd(parseSystemdProbe(text), systemdArgs.parse(a)).map((c) => c.summary)).toEqual(summaries),
  );
});
