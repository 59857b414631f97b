// Minimal static file server for the lab's flat apt repository (GET/HEAD only, no directory listing).
// Usage: node repo-server.mjs --dir DIR [--host 10.99.0.200] [--port 8000]
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    dir: { type: 'string' },
    host: { type: 'string', default: '0.0.0.0' },
    port: { type: 'string', default: '8000' },
  },
});
if (!values.dir) throw new Error('--dir is required');
const root = path.resolve(values.dir);

const server = http.createServer((req, res) => {
  const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://repo').pathname);
  const file = path.join(root, path.normalize(pathname));
  if (!file.startsWith(root + path.sep) || (req.method !== 'GET' && req.method !== 'HEAD')) {
    res.writeHead(404).end();
    return;
  }
  fs.stat(file, (err, st) => {
    if (err || !st.isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-length': st.size, 'content-type': 'application/octet-stream' });
    if (req.method === 'HEAD') res.end();
    else fs.createReadStream(file).pipe(res);
  });
});
server.listen({ host: values.host, port: Number(values.port), backlog: 4096 }, () => {
  process.stdout.write(`apt repository ${root} on ${values.host}:${values.port}\n`);
});
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));
