// Stand-in for Ceph RGW in the lab's backend namespace: answers 200 with a short body, /slow?ms=N waits.
// Usage: node backend.mjs [--host 10.99.0.200] [--port 8080]
import http from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { host: { type: 'string', default: '0.0.0.0' }, port: { type: 'string', default: '8080' } },
});

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://backend');
  const body = `ok ${url.pathname}\n`;
  const answer = () => {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };
  req.resume(); // discard any request body
  if (url.pathname === '/slow') {
    const ms = Math.min(Number(url.searchParams.get('ms') ?? '1000') || 0, 600_000);
    setTimeout(answer, ms);
  } else {
    answer();
  }
});
server.keepAliveTimeout = 30_000;
// A large accept queue (capped by net.core.somaxconn): python's http.server has 5 and drops SYNs under load.
server.listen({ host: values.host, port: Number(values.port), backlog: 65535 }, () => {
  process.stdout.write(`backend listening on ${values.host}:${values.port}\n`);
});
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));
