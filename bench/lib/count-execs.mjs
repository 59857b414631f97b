// Preloaded into the ober-push process (node --import) to count its SSH round trips: every
// SshTransport.exec is one command, i.e. one request/response round trip to a host (through a persistent
// shell or a channel of its own). At exit the counts (per host and in all) go to the JSON file named by
// BENCH_EXEC_COUNT_FILE.
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
// Resolve ssh2 from the ober-push checkout, the same CommonJS instance the CLI loads.
const ssh2 = require(require.resolve('ssh2', { paths: [process.cwd()] }));
const perHost = new Map();
let connections = 0;
const originalConnect = ssh2.Client.prototype.connect;
ssh2.Client.prototype.connect = function connect(config, ...rest) {
  connections++;
  return originalConnect.call(this, config, ...rest);
};
// The same module instance the CLI imports (ESM caches by URL).
const { SshTransport } = await import(pathToFileURL(join(process.cwd(), 'dist/transport/ssh-transport.js')).href);
const originalExec = SshTransport.prototype.exec;
SshTransport.prototype.exec = function exec(...args) {
  perHost.set(this.host, (perHost.get(this.host) ?? 0) + 1);
  return originalExec.apply(this, args);
};
process.on('exit', () => {
  const file = process.env.BENCH_EXEC_COUNT_FILE;
  if (!file) return;
  const counts = [...perHost.values()];
  writeFileSync(
    file,
    JSON.stringify({
      connections,
      hosts: counts.length,
      execs: counts.reduce((a, b) => a + b, 0),
      maxPerHost: Math.max(0, ...counts),
      minPerHost: counts.length ? Math.min(...counts) : 0,
    }),
  );
});
