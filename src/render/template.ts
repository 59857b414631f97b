// Handlebars rendering for configs: strict (a missing variable is an error), no HTML escaping,
// an isolated instance per renderer with a fixed helper set and its own compile cache.
import Handlebars from 'handlebars';
import { helpers } from './helpers.js';
import { TemplateError, templateParseError } from './template-error.js';

export interface RenderOptions {
  /** Name used in errors, e.g. "haproxy.cfg.hbs". */
  name: string;
}

export interface Renderer {
  renderTemplate(source: string, context: unknown, options: RenderOptions): string;
  renderValue(value: unknown, context: unknown): unknown;
}

type Compiled = (context: unknown, options?: { data?: Record<string, unknown> }) => string;

const CAPTURE = '__ober_capture';
// A string that is exactly one mustache expression (no block, comment, partial or raw-output form).
const SINGLE_EXPR = /^\{\{\s*([^{}#/^!>&\s][^{}]*?)\s*\}\}$/;

/** A new renderer: its own Handlebars instance, helpers and cache; nothing is shared between renderers. */
export function createRenderer(): Renderer {
  const hb = Handlebars.create();
  for (const [name, fn] of Object.entries(helpers)) hb.registerHelper(name, fn);
  // Used only by renderValue: hands the raw value of an expression back instead of its string form.
  hb.registerHelper(CAPTURE, (value: unknown, options: Handlebars.HelperOptions) => {
    const holder = (options.data as { capture?: { value: unknown; set: boolean } }).capture;
    if (holder) {
      holder.value = value;
      holder.set = true;
    }
    return '';
  });
  const cache = new Map<string, Compiled>();

  function compile(source: string, name: string): Compiled {
    const hit = cache.get(source);
    if (hit) return hit;
    let fn: Compiled;
    try {
      fn = hb.compile(source, { strict: true, noEscape: true });
    } catch (err) {
      throw toTemplateError(err, source, name);
    }
    cache.set(source, fn);
    return fn;
  }

  function run(source: string, context: unknown, name: string, data?: Record<string, unknown>): string {
    const fn = compile(source, name);
    try {
      return data ? fn(context, { data }) : fn(context);
    } catch (err) {
      throw toTemplateError(err, source, name);
    }
  }

  function renderTemplate(source: string, context: unknown, options: RenderOptions): string {
    return run(source, context, options.name);
  }

  function renderString(text: string, context: unknown): unknown {
    const single = SINGLE_EXPR.exec(text);
    if (!single || !single[1]) return text.includes('{{') ? run(text, context, text) : text;
    const expr = single[1];
    // A helper call becomes a sub-expression so its result, not its string form, is captured.
    const inner = /\s/.test(expr) ? `(${expr})` : expr;
    const holder = { value: undefined as unknown, set: false };
    try {
      run(`{{${CAPTURE} ${inner}}}`, context, text, { capture: holder });
    } catch (err) {
      // A missing parent of a nested path ("a.b" with no "a") fails inside Handlebars' lookup.
      if (err instanceof TemplateError && err.variable === null)
        throw new TemplateError({ template: text, variable: expr });
      throw err;
    }
    if (!holder.set || holder.value === undefined) {
      throw new TemplateError({ template: text, variable: expr });
    }
    return holder.value;
  }

  function renderValue(value: unknown, context: unknown): unknown {
    if (typeof value === 'string') return renderString(value, context);
    if (Array.isArray(value)) return value.map((v) => renderValue(v, context));
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = renderValue(v, context);
      return out;
    }
    return value;
  }

  return { renderTemplate, renderValue };
}

// The default renderer is private to this module: callers cannot register helpers on it.
const defaultRenderer = createRenderer();

/** Render a template source strictly; a missing variable throws TemplateError naming it. */
export function renderTemplate(source: string, context: unknown, options: RenderOptions): string {
  return defaultRenderer.renderTemplate(source, context, options);
}

/**
 * Render every string inside a nested value. A string that is exactly one `{{expr}}` yields the raw
 * value (a list stays a list, a number a number); other strings render to text.
 */
export function renderValue(value: unknown, context: unknown): unknown {
  return defaultRenderer.renderValue(value, context);
}

/** Map Handlebars' errors ('"x" not defined in ... - 3:14', parse errors) to TemplateError. */
function toTemplateError(err: unknown, source: string, name: string): TemplateError {
  if (err instanceof TemplateError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const missing = /^"([^"]+)" not defined in .* - (\d+):(\d+)$/.exec(message);
  if (missing && missing[1] && missing[2] && missing[3]) {
    const line = Number(missing[2]);
    const variable = expressionAt(source, line, Number(missing[3])) ?? missing[1];
    return new TemplateError({ template: name, variable, line });
  }
  if (/Parse error on line \d+/.test(message)) return templateParseError(message, name);
  const firstLine = message.split('\n')[0] ?? message;
  return new TemplateError({ template: name, variable: null, message: firstLine });
}

/** The dotted path starting at a 1-based line and 0-based column, e.g. "bgp.local_as" (Handlebars names only the last segment). */
function expressionAt(source: string, line: number, column: number): string | null {
  const text = source.split('\n')[line - 1];
  if (text === undefined) return null;
  const m = /^[@A-Za-z0-9_.$-]+/.exec(text.slice(column));
  return m ? m[0] : null;
}
