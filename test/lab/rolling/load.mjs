// Load through the VIP from the lab's client namespace until SIGTERM (or --max-s), then one JSON line like
// test/lab/loadgen.mjs. Lets a test hold the load for exactly as long as a roll takes.
// Usage: ip netns exec <client-ns> node load.mjs --url http://10.99.100.1/ [--concurrency 16] [--keepalive] [--max-s 300]
import http from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    concurrency: { type: 'string', default: '16' },
    keepalive: { type: 'boolean', default: false },
    'max-s': { type: 'string', default: '300' },
    'timeout-ms': { type: 'string', default: '3000' },
  },
});
const url = new URL(values.url ?? '');
if (!/^10\.99\.\d+\.\d+$/.test(url.hostname)) {
  process.stderr.write(`refusing target ${url.hostname}: not a lab address\n`);
  process.exit(2);
}
const agent = values.keepalive ? new http.Agent({ keepAlive: true, maxSockets: Number(values.concurrency) }) : false;
const started = Date.now();
let stop = false;
let ok = 0;
let failed = 0;
const errors = {};
const failedAt = [];
process.on('SIGTERM', () => (stop = true));
setTimeout(() => (stop = true), Number(values['max-s']) * 1000).unref();

function one() {
  return new Promise((resolve) => {
    let done = false;
    const finish = (kind) => {
      if (done) return;
      done = true;
      if (kind === null) ok++;
      else {
        failed++;
        errors[kind] = (errors[kind] ?? 0) + 1;
        failedAt.push(Date.now());
      }
      resolve();
    };
    const req = http.request(url, {
      agent,
      headers: agent ? {} : { connection: 'close' },
      timeout: Number(values['timeout-ms']),
    });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => finish(res.statusCode === 200 ? null : `http_${res.statusCode}`));
      res.on('error', (e) => finish(e.code ?? 'response_error'));
    });
    req.on('timeout', () => {
      req.destroy();
      finish('timeout');
    });
    req.on('error', (e) => finish(e.code ?? 'error'));
    req.end();
  });
}

async function worker() {
  while (!stop) await one();
}
await Promise.all(Array.from({ length: Number(values.concurrency) }, worker));
if (agent) agent.destroy();
process.stdout.write(
  `${JSON.stringify({ requests: ok + failed, ok, failed, errors, elapsedMs: Date.now() - started, failedAt })}\n`,
);
