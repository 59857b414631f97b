// Scale: hundreds of SSH targets × 20 tasks from one ober-push process. Every inventory host is an alias
// (distinct name, own bench_dir under /tmp/ober-bench-scale) of one of a few real sshd's on 127.0.0.1.
// Measures wall time and peak RSS (GNU time %M) of the ober-push process, growing hosts and forks, and the
// most connections open at once (sampled sshd children). Each run starts from empty per-host dirs.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { startLoopbackSshds } from '../lib/loopback-sshd.mjs';
import { WORK, WORKLOADS } from '../lib/paths.mjs';
import { ratio } from '../lib/stats.mjs';
import { runOberPush } from '../lib/tools.mjs';

const SCALE_DIR = '/tmp/ober-bench-scale';
const SSHDS = 4;

export async function scale({ quick, log }) {
  const matrix = quick
    ? [
        [100, 50],
        [200, 50],
        [200, 10],
        [200, 200],
      ]
    : [
        [100, 50],
        [200, 50],
        [500, 50],
        [200, 10],
        [200, 200],
      ];
  const sshds = await startLoopbackSshds(SSHDS);
  const rows = [];
  try {
    for (const [hosts, forks] of matrix) {
      const inventory = writeScaleInventory(sshds, hosts);
      rmSync(SCALE_DIR, { recursive: true, force: true });
      mkdirSync(SCALE_DIR, { recursive: true });
      let peakConnections = 0;
      const sampler = setInterval(
        () => (peakConnections = Math.max(peakConnections, sshds.processCount() - SSHDS)),
        250,
      );
      let r;
      try {
        r = await runOberPush(inventory, `${WORKLOADS}scale20.yml`, { forks, countExecs: true, timeoutMs: 900_000 });
      } finally {
        clearInterval(sampler);
      }
      const row = {
        hosts,
        forks,
        wallMs: Math.round(r.wallMs),
        peakRssMb: r.peakRssMb,
        execs: r.execs?.execs ?? null,
        connections: r.execs?.connections ?? null,
        peakOpenConnections: peakConnections,
        msPerHost: Math.round(r.wallMs / hosts),
        changed: r.recap?.changed,
        failed: r.recap?.failed,
      };
      rows.push(row);
      log(
        `scale ${hosts} hosts × forks ${forks}: ${(r.wallMs / 1000).toFixed(1)} s, peak RSS ${r.peakRssMb} MB, ${row.execs} execs, up to ${peakConnections} connections open`,
      );
    }
  } finally {
    await sshds.stop();
    rmSync(SCALE_DIR, { recursive: true, force: true });
  }
  const at = (h, f) => rows.find((r) => r.hosts === h && r.forks === f);
  const big = quick ? 200 : 500;
  const growth = {
    hostsRatio: ratio(at(big, 50)?.wallMs, at(100, 50)?.wallMs),
    hostsFactor: big / 100,
    forks10vs50: ratio(at(200, 10)?.wallMs, at(200, 50)?.wallMs),
    forks200vs50: ratio(at(200, 200)?.wallMs, at(200, 50)?.wallMs),
  };
  const maxRss = Math.max(...rows.map((r) => r.peakRssMb ?? 0));
  return { sshds: SSHDS, rows, growth, maxPeakRssMb: maxRss, met: { rssUnder400: maxRss < 400 } };
}

function writeScaleInventory(sshds, hosts) {
  const lines = [`ssh: { config: ${sshds.sshConfig}, known_hosts: ${sshds.knownHosts} }`, 'hosts:'];
  for (let i = 1; i <= hosts; i++) {
    const name = `n${String(i).padStart(4, '0')}`;
    lines.push(
      `  ${name}:`,
      '    address: 127.0.0.1',
      `    port: ${sshds.ports[i % sshds.ports.length]}`,
      '    user: root',
      `    identity_file: ${sshds.clientKey}`,
      `    vars: { bench_dir: ${SCALE_DIR}/${name} }`,
    );
  }
  lines.push('vars:', '  bench_value: "42"');
  mkdirSync(WORK, { recursive: true });
  const file = `${WORK}scale-${hosts}.yml`;
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}
