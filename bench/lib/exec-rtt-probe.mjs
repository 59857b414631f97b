// Where an exec's time goes: on one authenticated ssh2 connection per host (ober-push's own connect code from
// dist/), compare N sequential exec channels (`true`) with N commands written to one long-lived `sh` on a
// single channel (the floor of a persistent remote shell). Then the same through SshTransport: an exec with
// stdin (a channel of its own) and a plain exec (its persistent shells). All hosts in parallel.
// Prints per-exec medians. Usage: node exec-rtt-probe.mjs INVENTORY [N] [--limit K]
import { REPO } from './paths.mjs';

const args = process.argv.slice(2);
const inventoryPath = args[0];
const n = Number(args[1] ?? 20);
const limit = args.includes('--limit') ? Number(args[args.indexOf('--limit') + 1]) : Infinity;
const { loadInventory } = await import(`${REPO}dist/inventory/load.js`);
const { resolveEndpoint, processEnvironment } = await import(`${REPO}dist/transport/endpoint.js`);
const { openConnection } = await import(`${REPO}dist/transport/ssh-connect.js`);
const { KnownHostsWriter } = await import(`${REPO}dist/transport/known-hosts.js`);
const { HandshakeGate } = await import(`${REPO}dist/transport/handshake-gate.js`);
const { SshTransport } = await import(`${REPO}dist/transport/ssh-transport.js`);

const inventory = await loadInventory(inventoryPath);
const hosts = [...inventory.hosts.values()].slice(0, limit);
const writerFor = (file, hash) => new KnownHostsWriter(file, hash);

function execOnce(client, command) {
  return new Promise((resolve, reject) => {
    client.exec(command, (err, stream) => {
      if (err) return reject(err);
      stream.on('data', () => {});
      stream.stderr.on('data', () => {});
      stream.on('close', resolve);
      stream.end();
    });
  });
}

function persistentShell(client) {
  return new Promise((resolve, reject) => {
    client.exec('sh', (err, stream) => {
      if (err) return reject(err);
      let buf = '';
      let waiting = null;
      stream.on('data', (d) => {
        buf += d;
        if (waiting && buf.includes(waiting.marker)) {
          buf = '';
          const w = waiting;
          waiting = null;
          w.resolve();
        }
      });
      resolve({
        run: (command, i) =>
          new Promise((res) => {
            waiting = { marker: `__bench_done_${i}__`, resolve: res };
            stream.write(`${command}\necho __bench_done_${i}__\n`);
          }),
        close: () => stream.end('exit\n'),
      });
    });
  });
}

const gate = new HandshakeGate();
const perHost = await Promise.all(
  hosts.map(async (host) => {
    const spec = {
      host: host.name,
      address: host.address,
      port: host.port,
      user: host.user,
      identityFile: host.identityFile,
      sshConfigFile: inventory.ssh?.configFile ?? null,
      knownHostsFile: inventory.ssh?.knownHostsFile,
      acceptNewHostKeys: false,
    };
    const conn = await openConnection(resolveEndpoint(spec, processEnvironment()), host.name, writerFor, gate);
    const exec = [];
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      await execOnce(conn.client, 'true');
      exec.push(performance.now() - t);
    }
    const shell = await persistentShell(conn.client);
    const sh = [];
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      await shell.run('true', i);
      sh.push(performance.now() - t);
    }
    shell.close();
    conn.close();
    const transport = new SshTransport(spec);
    const timed = async (options) => {
      await transport.exec('true', options); // warm: connection, and the shell for plain execs
      const times = [];
      for (let i = 0; i < n; i++) {
        const t = performance.now();
        await transport.exec('true', options);
        times.push(performance.now() - t);
      }
      return times;
    };
    const transportChannel = await timed({ stdin: '' });
    const transportShell = await timed({});
    await transport.close();
    return { exec, sh, transportChannel, transportShell };
  }),
);
const med = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.floor(s.length / 2)] * 10) / 10;
};
const all = (k) => perHost.flatMap((h) => h[k]);
const result = {
  hosts: hosts.length,
  n,
  execChannelMs: med(all('exec')),
  persistentShellMs: med(all('sh')),
  transportChannelMs: med(all('transportChannel')),
  transportShellMs: med(all('transportShell')),
};
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0); // ProxyCommand children may keep the loop alive for a moment; the measurement is done
