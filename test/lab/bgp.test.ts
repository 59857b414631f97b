// The router really learns the VIP from hosts that announce it (ExaBGP from the lab repo) and installs an
// ECMP route with one next hop per announcing host; a withdraw or a stopped ExaBGP removes the next hop.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { birdc, execOnHost, labSkipReason, labState, routerNextHops, waitFor } from './harness.js';

const COMMAND_FIFO = '/run/lab-exabgp.cmd';

// A throwaway ExaBGP setup: an API process announces the VIP, then forwards lines written to a FIFO.
function exabgpSetup(address: string, vip: string): string {
  return `set -e
apt-get update -q >/dev/null
apt-get install -y -q exabgp >/dev/null
mkdir -p /etc/lab-exabgp
cat > /etc/lab-exabgp/api.sh <<'SCRIPT'
#!/bin/sh
echo "announce route ${vip}/32 next-hop self"
exec 3<>${COMMAND_FIFO}
while read -r line <&3; do echo "$line"; done
SCRIPT
chmod +x /etc/lab-exabgp/api.sh
cat > /etc/lab-exabgp/exabgp.conf <<CONF
process lab-api { run /etc/lab-exabgp/api.sh; encoder text; }
neighbor 10.99.0.1 {
  router-id ${address}; local-address ${address}; local-as 65001; peer-as 65000; hold-time 9;
  api { processes [ lab-api ]; }
}
CONF
rm -f ${COMMAND_FIFO}; mkfifo -m 600 ${COMMAND_FIFO}; chown exabgp ${COMMAND_FIFO}
systemctl reset-failed lab-exabgp 2>/dev/null || true
systemd-run --unit lab-exabgp -E exabgp_daemon_daemonize=false -E exabgp_cli_enable=false exabgp /etc/lab-exabgp/exabgp.conf
`;
}

async function sh(host: string, cmd: string): Promise<string> {
  const r = await execOnHost(host, cmd);
  if (r.code !== 0) throw new Error(`${host}: ${cmd.split('\n')[0]} failed (${r.code}): ${r.stderr}${r.stdout}`);
  return r.stdout;
}

const skip = labSkipReason();

describe.skipIf(skip)('BGP between the lab router and the hosts', () => {
  const state = skip ? null : labState();
  const speakers = state ? state.hosts.slice(0, 2) : [];

  beforeAll(async () => {
    await Promise.all(speakers.map((h) => sh(h.name, exabgpSetup(h.address, state!.vip))));
  });

  afterAll(async () => {
    // Leave the hosts as fresh as they were for the other lab tests.
    await Promise.all(
      speakers.map((h) =>
        execOnHost(
          h.name,
          `systemctl stop lab-exabgp; systemctl reset-failed lab-exabgp; apt-get purge -y -q exabgp >/dev/null; apt-get autoremove --purge -y -q >/dev/null; rm -rf /etc/lab-exabgp ${COMMAND_FIFO}`,
        ),
      ),
    );
  });

  it('installs one multipath route with a next hop per announcing host', async () => {
    const expected = speakers.map((h) => h.address);
    await waitFor(() => routerNextHops().join() === expected.join(), {
      timeoutMs: 20_000,
      what: `next hops ${expected.join()}`,
    });
    expect(birdc('show', 'protocols')).toMatch(new RegExp(`${speakers[0]!.name}\\s+BGP\\s+---\\s+up`));
  });

  it('drops a next hop on an API withdraw and regains it on announce', async () => {
    const host = speakers[0]!;
    await sh(host.name, `echo "withdraw route ${state!.vip}/32 next-hop self" > ${COMMAND_FIFO}`);
    await waitFor(() => !routerNextHops().includes(host.address), {
      timeoutMs: 5_000,
      what: `${host.address} withdrawn`,
    });
    expect(routerNextHops()).toEqual(speakers.slice(1).map((h) => h.address));
    await sh(host.name, `echo "announce route ${state!.vip}/32 next-hop self" > ${COMMAND_FIFO}`);
    await waitFor(() => routerNextHops().includes(host.address), {
      timeoutMs: 5_000,
      what: `${host.address} announced again`,
    });
  });

  it('drops the next hop when ExaBGP stops, and the route when no host announces', async () => {
    for (const host of speakers) {
      await sh(host.name, 'systemctl stop lab-exabgp');
      await waitFor(() => !routerNextHops().includes(host.address), {
        timeoutMs: 5_000,
        what: `${host.address} gone after stop`,
      });
    }
    expect(routerNextHops()).toEqual([]);
  });
});
