// Preloaded into the ober-push process (node --import) to count its SSH round trips: every ssh2
// Client.exec is one exec channel, i.e. one request/response round trip to a host. At exit the counts
// (per host address and in all) go to the JSON file named by BENCH_EXEC_COUNT_FILE.
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
// Resolve ssh2 from the ober-push checkout, the same CommonJS instance the CLI loads.
const ssh2 = require(require.resolve('ssh2', { paths: [process.cwd()] }));
const perHost = new Map();
let connections = 0;
const originalExec = ssh2.Client.prototype.exec;
const originalConnect = ssh2.Client.prototype.connect;
ssh2.Client.prototype.connect = function connect(config, ...rest) {
  connections++;
  this.__benchHost = `${config.host}:${config.port}`;
  return originalConnect.call(this, config, ...rest);
};
ssh2.Client.prototype.exec = function exec(...args) {
  const host = this.__benchHost ?? '?';
  perHost.set(host, (perHost.get(host) ?? 0) + 1);
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
