// Bounded HTTP load generator for the lab's client namespace. Stops by itself; prints one JSON object.
// Usage: ip netns exec oberlab-client node loadgen.mjs --url http://10.99.100.1/ [--concurrency 20]
//          [--duration 5 | --requests 1000] [--keepalive] [--timeout-ms 2000]
import http from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    concurrency: { type: 'string', default: '10' },
    duration: { type: 'string' }, // seconds
    requests: { type: 'string' },
    keepalive: { type: 'boolean', default: false },
    'timeout-ms': { type: 'string', default: '2000' },
    'any-target': { type: 'boolean', default: false },
  },
});

const url = new URL(values.url ?? '');
// Load stays inside the lab: refuse targets outside 10.99.0.0/16 unless told otherwise.
if (!values['any-target'] && !/^10\.99\.\d+\.\d+$/.test(url.hostname)) {
  process.stderr.write(`refusing target ${url.hostname}: not a lab address (10.99.0.0/16)\n`);
  process.exit(2);
}
const concurrency = Math.max(1, Number(values.concurrency));
const maxRequests = values.requests ? Number(values.requests) : Infinity;
const durationMs = Math.min(
  values.duration ? Number(values.duration) * 1000 : maxRequests === Infinity ? 5000 : 600_000,
  600_000,
);
const timeoutMs = Number(values['timeout-ms']);
const agent = values.keepalive ? new http.Agent({ keepAlive: true, maxSockets: concurrency }) : undefined;

const started = performance.now();
const deadline = started + durationMs;
const buckets = []; // per second: { second, ok, failed, errors: {kind: n} }
const errors = {};
const latencies = [];
let issued = 0;
let ok = 0;
let failed = 0;

function bucket() {
  const second = Math.floor((performance.now() - started) / 1000);
  while (buckets.length <= second) buckets.push({ second: buckets.length, ok: 0, failed: 0, errors: {} });
  return buckets[second];
}

function record(kind, t0) {
  const b = bucket();
  if (kind === null) {
    ok++;
    b.ok++;
    latencies.push(performance.now() - t0);
  } else {
    failed++;
    b.failed++;
    b.errors[kind] = (b.errors[kind] ?? 0) + 1;
    errors[kind] = (errors[kind] ?? 0) + 1;
  }
}

function oneRequest() {
  return new Promise((resolve) => {
    const t0 = performance.now();
    let done = false;
    const finish = (kind) => {
      if (done) return;
      done = true;
      record(kind, t0);
      resolve();
    };
    const req = http.request(url, {
      agent: agent ?? false,
      headers: agent ? {} : { connection: 'close' },
      timeout: timeoutMs,
    });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => finish(res.statusCode >= 200 && res.statusCode < 300 ? null : `http_${res.statusCode}`));
      res.on('error', (err) => finish(err.code ?? 'response_error'));
    });
    req.on('timeout', () => {
      req.destroy();
      finish('timeout');
    });
    req.on('error', (err) => finish(err.code ?? 'error'));
    req.end();
  });
}

async function worker() {
  while (issued < maxRequests && performance.now() < deadline) {
    issued++;
    await oneRequest();
  }
}

await Promise.all(Array.from({ length: concurrency }, worker));
agent?.destroy();
const elapsedMs = performance.now() - started;
latencies.sort((a, b) => a - b);
const pct = (p) =>
  latencies.length
    ? Math.round(latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] * 100) / 100
    : null;
const result = {
  url: url.href,
  concurrency,
  keepalive: values.keepalive,
  elapsedMs: Math.round(elapsedMs),
  requests: ok + failed,
  ok,
  failed,
  errors,
  rps: Math.round(((ok + failed) / elapsedMs) * 1000),
  latencyMs: { p50: pct(0.5), p99: pct(0.99), max: pct(1) },
  perSecond: buckets,
};
process.stdout.write(JSON.stringify(result) + '\n');
