// Inputs of the Ansible twin of playbooks/site.yml (workloads/ansible/site.yml), made by ober-push's own code
// from dist/: the same inventory and playbook loaders, the same per-host variables (`ober` included) and the
// same Handlebars rendering as the template module. Per host, into the Ansible directory:
//   host_vars/<host>.json  {ober, twin_files, ober_repo}: every value the twin reads (as site.yml reads `ober`)
//   twin/<host>/<name>     what each site.yml template task renders for that host (haproxy.cfg, exabgp.conf, ...)
// Nothing is ported to Jinja: the twin's `template:` tasks render these files again, which must be a no-op.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { REPO, WORKLOADS } from './paths.mjs';

const dist = (path) => import(`${REPO}dist/${path}`);
const [
  { loadInventory },
  { loadPlaybook },
  { builtinModules },
  { hostContext, magicVars },
  { renderTemplate, renderValue },
  { parseExpr, evalExpr, truthy },
  { templateCandidates },
] = await Promise.all(
  [
    'inventory/load.js',
    'playbook/load.js',
    'modules/registry.js',
    'engine/vars.js',
    'render/template.js',
    'playbook/expr.js',
    'modules/template.js',
  ].map(dist),
);

export const SITE_YML = `${REPO}playbooks/site.yml`;
export const SITE_TWIN_YML = `${WORKLOADS}ansible/site.yml`;

// Jinja would act on these; the pre-rendered text must pass through Ansible's template module unchanged.
const JINJA_MARKERS = /\{\{|\{%|\{#/;

/** The file name a template task's output gets under twin/<host>/: its source without .hbs. */
const outputName = (src) => basename(src).replace(/\.hbs$/, '');

/**
 * Writes host_vars/ and twin/ into `ansibleDir` for every host of `inventoryPath` (the same inventory ober-push
 * deploys with). Returns the hosts and, per host, the files rendered.
 */
export async function writeSiteTwin(inventoryPath, ansibleDir, { playbook = SITE_YML, twin = SITE_TWIN_YML } = {}) {
  const inventory = await loadInventory(inventoryPath);
  const book = await loadPlaybook(playbook, builtinModules);
  const play = book.plays.find((p) => p.stack && p.tasks.some((t) => t.module === 'template'));
  if (!play) throw new Error(`${playbook}: no stack play with template tasks`);
  const baseDir = dirname(book.file);
  const twinText = readFileSync(twin, 'utf8');
  const magic = magicVars(inventory);
  mkdirSync(`${ansibleDir}host_vars`, { recursive: true });
  const rendered = {};
  for (const host of inventory.hosts.values()) {
    // The twin leaves out the Proxmox play and the NIC-queue task: both run only for hosts with a vm binding.
    if (host.vm) throw new Error(`${host.name} has a vm binding: the site.yml twin has no Proxmox counterpart`);
    // What a task of the play sees on this host before anything is registered (the engine's hostContext).
    const vars = hostContext({ host, registered: {}, knownFacts: null }, play, {}, magic);
    const dir = `${ansibleDir}twin/${host.name}/`;
    mkdirSync(dir, { recursive: true });
    rendered[host.name] = [];
    for (const task of play.tasks.filter((t) => t.module === 'template')) {
      if (task.loop !== undefined)
        throw new Error(`site.yml task "${task.name}": template with a loop is not handled here`);
      if (task.when !== undefined && !truthy(evalExpr(parseExpr(task.when), vars))) continue;
      const args = renderValue(task.args, vars);
      const [file] = templateCandidates(baseDir, args.src).filter((f) => existsSync(f));
      if (!file) throw new Error(`site.yml task "${task.name}": template ${args.src} not found`);
      // The template module renders with the task's variables; `facts` only when the template names them.
      const source = readFileSync(file, 'utf8');
      if (/\bfacts\b/.test(source)) throw new Error(`${args.src} uses facts: the twin cannot pre-render it`);
      const content = renderTemplate(source, vars, { name: args.src });
      const name = outputName(args.src);
      if (JINJA_MARKERS.test(content))
        throw new Error(`${host.name}: rendered ${name} contains a Jinja marker: use copy, not template, in the twin`);
      if (!twinText.includes(`/${name}"`))
        throw new Error(`${twin} has no task for site.yml's "${task.name}" (${name})`);
      writeFileSync(`${dir}${name}`, content);
      rendered[host.name].push(name);
    }
    // Certificates are controller paths relative to site.yml; the twin's playbook lives elsewhere.
    const ober = { ...vars.ober, certs: vars.ober.certs.map((c) => ({ ...c, src: resolve(baseDir, c.src) })) };
    const hostVars = { ober, twin_files: dir.slice(0, -1), ober_repo: REPO.replace(/\/$/, '') };
    const json = JSON.stringify(hostVars, null, 2);
    if (JINJA_MARKERS.test(json))
      throw new Error(`${host.name}: a stack value contains a Jinja marker; Ansible would template it`);
    writeFileSync(`${ansibleDir}host_vars/${host.name}.json`, `${json}\n`);
  }
  return { hosts: [...inventory.hosts.keys()], rendered };
}
