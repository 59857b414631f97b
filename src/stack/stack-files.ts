// Every file the stack installs on one host, rendered from templates/ with the derived context.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createRenderer } from '../render/template.js';
import type { StackContext } from './context.js';
import { MODULES_LOAD_CONTENT, WATCHDOG_DROP_IN_CONTENT } from './tuning.js';

/** The repository's templates/ directory (same depth from src/stack and dist/stack). */
export const STACK_TEMPLATES = fileURLToPath(new URL('../../templates/', import.meta.url));

export interface StackFile {
  /** Absolute path on the host. */
  path: string;
  content: string;
  mode: string;
  /** The template (relative to templates/) or "static" for built-in content. */
  source: string;
}

/** Template name (relative to templates/) -> where it is installed, per HA mode. */
export function stackTemplates(ctx: StackContext): Array<{ template: string; path: string; mode: string }> {
  const p = ctx.paths;
  const common = [
    { template: 'haproxy.cfg.hbs', path: p.haproxyConfig, mode: '0644' },
    { template: 'ober-haproxy.service.hbs', path: p.units.haproxy, mode: '0644' },
  ];
  if (ctx.isBgp) {
    return [
      ...common,
      { template: 'ober-vip.service.hbs', path: p.units.vip, mode: '0644' },
      { template: 'exabgp.conf.hbs', path: p.exabgpConfig, mode: '0644' },
      { template: 'ober-exabgp.service.hbs', path: p.units.exabgp, mode: '0644' },
      { template: 'relay.nft.hbs', path: p.relayRules, mode: '0644' },
      { template: 'ober-relay.service.hbs', path: p.units.relay, mode: '0644' },
    ];
  }
  return [
    ...common,
    { template: 'keepalived.conf.hbs', path: p.keepalivedConfig, mode: '0644' },
    { template: 'ober-keepalived.service.hbs', path: p.units.keepalived, mode: '0644' },
  ];
}

/**
 * Renders the host's files: configs and units for its HA mode, referenced whitelists, the announcer (BGP),
 * the watchdog drop-in and modules-load.d. TLS certificates are not included: they are copied from the
 * controller as they are (mode 0600, never printed) to each frontend's `tlsCert` path.
 */
export function renderStackFiles(ctx: StackContext, templatesDir: string = STACK_TEMPLATES): StackFile[] {
  const renderer = createRenderer();
  const read = (name: string): string => readFileSync(`${templatesDir}/${name}`, 'utf8');
  const files: StackFile[] = stackTemplates(ctx).map((t) => ({
    path: t.path,
    mode: t.mode,
    source: t.template,
    content: renderer.renderTemplate(read(t.template), { ober: ctx }, { name: t.template }),
  }));
  const listSource = read('whitelist.lst.hbs');
  for (const list of ctx.whitelists) {
    files.push({
      path: list.file,
      mode: '0644',
      source: 'whitelist.lst.hbs',
      content: renderer.renderTemplate(listSource, { ober: ctx, list }, { name: 'whitelist.lst.hbs' }),
    });
  }
  if (ctx.isBgp)
    files.push({
      path: ctx.paths.announcer,
      mode: '0755',
      source: 'files/ober-announcer.py',
      content: read('files/ober-announcer.py'),
    });
  files.push({ path: ctx.paths.watchdogDropIn, mode: '0644', source: 'static', content: WATCHDOG_DROP_IN_CONTENT });
  files.push({ path: ctx.paths.modulesLoad, mode: '0644', source: 'static', content: MODULES_LOAD_CONTENT });
  return files;
}
