// Errors raised while rendering a template: they carry the template's name and the missing variable.

/** A template referenced a variable (or helper) the context does not define, or failed to parse. */
export class TemplateError extends Error {
  readonly template: string;
  /** The dotted variable path, e.g. "bgp.local_as"; null for a syntax error. */
  readonly variable: string | null;
  /** 1-based line in the template, when Handlebars reports one. */
  readonly line: number | undefined;
  /** What is wrong, without the template's name and line. */
  readonly reason: string;
  constructor(args: { template: string; variable: string | null; line?: number; message?: string }) {
    const where = args.line !== undefined ? `${args.template}:${args.line}` : args.template;
    const what = args.message ?? `variable "${args.variable ?? '?'}" is not defined`;
    super(`${where}: ${what}`);
    this.name = 'TemplateError';
    this.template = args.template;
    this.variable = args.variable;
    this.line = args.line;
    this.reason = what;
  }
}

/**
 * A Handlebars parse error as a TemplateError: its line, and one phrase instead of Handlebars' several lines (the
 * text, a caret, "Expecting ..., got 'EOF'").
 */
export function templateParseError(message: string, template: string): TemplateError {
  const line = /Parse error on line (\d+)/.exec(message)?.[1] ?? /- (\d+):\d+$/.exec(message)?.[1];
  const got = /got '([^']+)'\s*$/.exec(message)?.[1];
  const reason =
    got === 'EOF'
      ? 'unexpected end of the template (a block left open?)'
      : got !== undefined
        ? `unexpected ${got.toLowerCase().replace(/_/g, ' ')}`
        : (message.split('\n')[0] ?? message).replace(/ - \d+:\d+$/, '');
  return new TemplateError({ template, variable: null, message: reason, ...(line ? { line: Number(line) } : {}) });
}
