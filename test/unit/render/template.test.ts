import { describe, expect, it } from 'vitest';
import { createRenderer, renderTemplate, renderValue } from '../../../src/render/template.js';
import { TemplateError } from '../../../src/render/template-error.js';

const ctx = {
  vips: ['10.99.100.1', '10.99.100.2'],
  stats_port: 8404,
  bgp: { local_as: 65001 },
  xs: [{ a: 'x' }, { a: 'y' }],
  html: '<a&b>',
};

function catchErr(fn: () => unknown): TemplateError {
  try {
    fn();
  } catch (e) {
    if (e instanceof TemplateError) return e;
    throw e;
  }
  throw new Error('expected a TemplateError');
}

describe('renderTemplate', () => {
  it('renders helpers and does not HTML-escape', () => {
    const out = renderTemplate(
      '{{join vips ","}} {{stats_port}} {{#each xs}}{{inc @index}}{{a}} {{/each}}{{html}}',
      ctx,
      { name: 't' },
    );
    expect(out).toBe('10.99.100.1,10.99.100.2 8404 1x 2y <a&b>');
  });

  it('names the template, the full variable path and the line of a missing variable', () => {
    const e = catchErr(() => renderTemplate('line1\nport {{bgp.peer_as}}', ctx, { name: 'exabgp.conf.hbs' }));
    expect(e.template).toBe('exabgp.conf.hbs');
    expect(e.variable).toBe('bgp.peer_as');
    expect(e.line).toBe(2);
    expect(e.message).toContain('exabgp.conf.hbs:2');
  });

  it('reports a missing variable inside a block', () => {
    const e = catchErr(() => renderTemplate('a\nb\n{{#each xs}}{{nope}}{{/each}}', ctx, { name: 't' }));
    expect(e.variable).toBe('nope');
    expect(e.line).toBe(3);
  });

  it('reports an unknown helper and a parse error as TemplateError', () => {
    expect(catchErr(() => renderTemplate('{{shout 1}}', ctx, { name: 't' })).variable).toBe('shout');
    const parse = catchErr(() => renderTemplate('x\n{{#if a}}', ctx, { name: 'broken' }));
    expect(parse.template).toBe('broken');
    expect(parse.variable).toBeNull();
  });

  it('keeps renderers isolated', () => {
    const r = createRenderer();
    expect(r.renderTemplate('{{upperless}}', { upperless: 1 }, { name: 't' })).toBe('1');
    expect(() => renderTemplate('{{#if (lookupx 1)}}{{/if}}', {}, { name: 't' })).toThrow(TemplateError);
  });
});

describe('renderValue', () => {
  it('returns raw values for single expressions and text otherwise', () => {
    const out = renderValue(
      { a: '{{ vips }}', b: '{{stats_port}}', c: 'port {{stats_port}}', d: ['{{default nope 5}}', 7, true], e: null },
      ctx,
    );
    expect(out).toEqual({ a: ['10.99.100.1', '10.99.100.2'], b: 8404, c: 'port 8404', d: [5, 7, true], e: null });
  });

  it('throws on a missing single-expression variable', () => {
    const e = catchErr(() => renderValue({ x: '{{ nope.deep }}' }, ctx));
    expect(e.variable).toBe('nope.deep');
  });

  it('leaves strings without mustaches alone', () => {
    expect(renderValue('plain {text}', ctx)).toBe('plain {text}');
  });
});
