// Results: one JSON file and one markdown table in bench/results/ (latest.* or quick.*), table also printed.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { RESULTS } from './paths.mjs';
import { ratio } from './stats.mjs';

const s = (ms) => (ms === null || ms === undefined ? '–' : `${(ms / 1000).toFixed(2)} s`);
const spread = (t) => (t?.spread === null || t?.spread === undefined ? '' : ` ±${Math.round(t.spread * 50)}%`);
const cell = (t) => (t ? `${s(t.median)}${spread(t)} (n=${t.n})` : '–');
const verdict = (ok) => (ok === null || ok === undefined ? 'n/a' : ok ? 'met' : 'MISSED');

export function markdown(result) {
  const { machine, parts } = result;
  // A part kept from an earlier run's results (writeResults merges them) says when it was timed.
  const earlier = (p) =>
    p?.measuredAt && p.measuredAt < result.startedAt ? ` (timed in an earlier run, ${p.measuredAt.slice(0, 16)})` : '';
  /** An A/B workload's two rows: first run (target ≥5×) and idempotent re-run (≥10×). */
  const abRows = (p, first, rerun) => [
    `| ${first}${earlier(p)} | ${p.hosts} | ${cell(p.timings.oberFirst)} | ${cell(p.timings.ansibleFirst)} | **${p.ratios.first}×** | ≥5× | ${verdict(p.ratios.first >= 5)} |`,
    `| ${rerun}${earlier(p)} | ${p.hosts} | ${cell(p.timings.oberRerun)} | ${cell(p.timings.ansibleRerun)} | **${p.ratios.rerun}×** | ≥10× | ${verdict(p.ratios.rerun >= 10)} |`,
  ];
  const out = [];
  out.push(`# ober-push benchmark (${result.mode}) — ${result.startedAt}`, '');
  out.push(
    `Machine: ${machine.nproc} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, kernel ${machine.kernel}, ${machine.os}; ` +
      `node ${machine.node}; ${machine.ansible}; ${machine.openssh}. ` +
      `Load average at start ${result.loadAtStart.join(' / ')}, at end ${result.loadAtEnd.join(' / ')} (other engineers' tests share the 2 cores).`,
    '',
  );
  const loads = Object.entries(parts)
    .filter(([, p]) => p.load)
    .map(([n, p]) => `${n} ${p.load.before[0]} → ${p.load.after[0]}`);
  if (loads.length) out.push(`1-min load average before → after each part: ${loads.join('; ')}.`, '');
  const ab = [parts.stack, parts.tasks20].filter(Boolean);
  if (ab.length) {
    out.push('## ober-push vs ansible-playbook, same lab hosts, alternating A/B (median ±half-range)', '');
    out.push(
      '| workload | hosts | ober-push | ansible-playbook | Ansible ÷ ober-push | target | |',
      '|---|---|---|---|---|---|---|',
    );
    if (parts.stack)
      out.push(
        ...abRows(
          parts.stack,
          "stack-lite first run from bare hosts (site.yml's earlier stand-in)",
          'stack-lite idempotent re-run',
        ),
      );
    if (parts.tasks20)
      out.push(...abRows(parts.tasks20, '20 small tasks, first run', '20 small tasks, idempotent re-run'));
    if (parts.stack?.aptWorkFloorMs)
      out.push(
        '',
        `stack-lite first run: the hosts' own apt-get update + install, by a plain ssh fan-out, takes ${s(parts.stack.aptWorkFloorMs)} here (all 20 hosts share the machine's cores): no tool can go below it.`,
      );
    const settings = ab[0].ansibleSettings;
    out.push(
      '',
      `Ansible settings: ${Object.entries(settings)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')}; ANSIBLE_HOST_KEY_CHECKING=True. ` +
        'ober-push: `deploy --reporter json --forks <hosts>`, wall time of the whole process (node start-up included).',
      '',
    );
  }
  if (parts.floor) {
    out.push("## Floor (round trips per host counted from ober-push's ssh2 exec channels)", '');
    out.push(
      `Parallel \`ssh host true\` to all ${parts.site?.hosts ?? parts.tasks20?.hosts ?? parts.stack?.hosts ?? ''} hosts (system ssh, ControlMaster off): ${cell(parts.floor.sshFanOutMs)}.`,
      '',
    );
    out.push(
      '| workload | round trips/host | ober-push | ssh floor (fan-out × RT) | ober ÷ ssh floor (≤2×?) | transport floor (ober-push transport, no engine) | ober ÷ transport floor (≤2×?) |',
      '|---|---|---|---|---|---|---|',
    );
    for (const r of parts.floor.rows) {
      out.push(
        `| ${r.workload} ${r.phase} | ${r.roundTripsPerHost} | ${s(r.oberMs)} | ${s(r.sshFloorMs)} | ${r.oberVsSshFloor}× ${verdict(r.oberVsSshFloor <= 2)} | ${s(r.transportFloorMs)} (connect ${s(r.transportConnectMs)}) | ${r.oberVsTransportFloor}× ${verdict(r.oberVsTransportFloor <= 2)} |${r.note ? ` ${r.note}` : ''}`,
      );
    }
    out.push('');
  }
  if (parts.site) {
    const p = parts.site;
    out.push(
      '## playbooks/site.yml: ober-push vs its Ansible twin, a fresh lab before each first run, alternating A/B (median ±half-range)',
      '',
    );
    out.push(
      '| workload | hosts | ober-push | ansible-playbook | Ansible ÷ ober-push | target | |',
      '|---|---|---|---|---|---|---|',
    );
    out.push(...abRows(p, 'site.yml first run from bare hosts', 'site.yml idempotent re-run'));
    if (p.aptWorkFloorMs) {
      const above = (t) => t.median - p.aptWorkFloorMs;
      out.push(
        '',
        `First run: the hosts' own apt work (update + install of site.yml's packages, distro units masked), by a plain ssh fan-out on a fresh lab, ` +
          `takes ${s(p.aptWorkFloorMs)} here (20 hosts' dpkg on the machine's 2 cores): no tool goes below it. Above it, ober-push spends ${s(above(p.timings.oberFirst))} ` +
          `and Ansible ${s(above(p.timings.ansibleFirst))}: **${ratio(above(p.timings.ansibleFirst), above(p.timings.oberFirst))}×**.`,
      );
    }
    const changed = (c) =>
      c
        ? `changed ${c.first?.changed} → ${c.rerun?.changed}, failed ${(c.first?.failed ?? 0) + (c.rerun?.failed ?? 0)}`
        : '–';
    const after = (runs) =>
      runs?.length ? runs.map((r) => `${r.pending} pending, VIP via ${r.vipNextHops}/${p.hosts}`).join('; ') : '–';
    out.push(
      '',
      `Twin: \`workloads/ansible/site.yml\`, task for task, with the template outputs rendered by ober-push's own code (\`lib/site-twin.mjs\`). ` +
        `Summed over hosts (first round): ober-push ${changed(p.checks?.ober)}; Ansible ${changed(p.checks?.ansible)}. ` +
        `After each re-run, \`ober-push deploy --check\` (host × task still to change) and the router's next hops for the VIP: ` +
        `after ober-push ${after(p.afterRuns?.ober)}; after Ansible ${after(p.afterRuns?.ansible)}. ` +
        `ober-push round trips/host ${p.execs?.first?.maxPerHost} / ${p.execs?.rerun?.maxPerHost}.`,
    );
    if (!ab.length)
      out.push(
        '',
        `Ansible settings: ${Object.entries(p.ansibleSettings)
          .map(([k, v]) => `${k}=${v}`)
          .join(', ')}; ANSIBLE_HOST_KEY_CHECKING=True.`,
      );
    out.push('');
    if (p.slowestRerunTasks)
      out.push(
        `Slowest ober-push re-run tasks (median over hosts): ${p.slowestRerunTasks.map((t) => `${t.task} ${s(t.medianMs)}`).join('; ')}.`,
        '',
      );
  }
  if (parts.scale) {
    const p = parts.scale;
    out.push(
      `## Scale: loopback sshd aliases × 20 tasks (first run), one ober-push process, ${p.sshds} sshd's on 127.0.0.1`,
      '',
    );
    out.push(
      '| hosts | forks | wall | ms/host | peak RSS | execs | connections open at once (max) |',
      '|---|---|---|---|---|---|---|',
    );
    for (const r of p.rows)
      out.push(
        `| ${r.hosts} | ${r.forks} | ${s(r.wallMs)} | ${r.msPerHost} | ${r.peakRssMb} MB | ${r.execs} | ${r.peakOpenConnections} |`,
      );
    out.push(
      '',
      `Growth: ${p.growth.hostsFactor}× hosts → ${p.growth.hostsRatio}× time; 200 hosts forks 10 vs 50: ${p.growth.forks10vs50}×, forks 200 vs 50: ${p.growth.forks200vs50}×. ` +
        `Peak RSS max ${p.maxPeakRssMb} MB (< 400 MB: ${verdict(p.met.rssUnder400)}).`,
      '',
    );
  }
  if (parts.startup)
    out.push(
      `## Start-up`,
      '',
      `\`ober-push --help\`: ${cell(parts.startup.help)} (< 300 ms: ${verdict(parts.startup.met)}); bare \`node -e 0\` at the same time: ${cell(parts.startup.nodeBaseline)}.`,
      '',
    );
  if (result.errors.length)
    out.push('## Errors', '', ...result.errors.map((e) => `- ${e.part}: ${e.message.split('\n')[0]}`), '');
  return out.join('\n');
}

/** Parts measured in this run replace the same parts of the previous results file; the others are kept. */
export function writeResults(result) {
  mkdirSync(RESULTS, { recursive: true });
  const base = `${RESULTS}${result.mode === 'quick' ? 'quick' : 'latest'}`;
  if (existsSync(`${base}.json`)) {
    const previous = JSON.parse(readFileSync(`${base}.json`, 'utf8'));
    result.parts = { ...previous.parts, ...result.parts };
  }
  writeFileSync(`${base}.json`, `${JSON.stringify(result, null, 2)}\n`);
  const md = markdown(result);
  writeFileSync(`${base}.md`, `${md}\n`);
  return { md, files: [`${base}.json`, `${base}.md`] };
}
