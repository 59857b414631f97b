// Parser for the condition language of `when`, `changed_when` and `failed_when` (see expr.ts for the grammar).

export type PathKey = string | number;

export type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | 'not in';

export type Expr =
  | { kind: 'literal'; value: string | number | boolean | null }
  | { kind: 'list'; items: Expr[] }
  | { kind: 'var'; path: PathKey[]; text: string }
  | { kind: 'not'; operand: Expr }
  | { kind: 'and' | 'or'; left: Expr; right: Expr }
  | { kind: 'compare'; op: CompareOp; left: Expr; right: Expr }
  | { kind: 'defined'; operand: Extract<Expr, { kind: 'var' }>; defined: boolean };

/** A syntax error at a character offset of the expression text. */
export class ExprSyntaxError extends Error {
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(message);
    this.name = 'ExprSyntaxError';
    this.offset = offset;
  }
}

type Token =
  | { type: 'string'; value: string; at: number }
  | { type: 'number'; value: number; at: number }
  | { type: 'name'; value: string; at: number }
  | { type: 'punct'; value: string; at: number }
  | { type: 'end'; value: ''; at: number };

/** Conditions are short: these bounds keep a hostile one from exhausting the stack or the CPU. */
export const MAX_TOKENS = 1000;
export const MAX_NESTING = 64;

const NUMBER = /[0-9]+(\.[0-9]+)?/y;
const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;

/** The match of a sticky regex at `at` (without copying the rest of the text). */
function matchAt(re: RegExp, text: string, at: number): string | undefined {
  re.lastIndex = at;
  return re.exec(text)?.[0];
}

const PUNCTUATION = ['==', '!=', '<=', '>=', '<', '>', '(', ')', '[', ']', ',', '.', '-'];

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    if (tokens.length >= MAX_TOKENS) throw new ExprSyntaxError(`the condition is longer than ${MAX_TOKENS} tokens`, i);
    const ch = text[i] ?? '';
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === "'" || ch === '"') {
      const start = i;
      let value = '';
      i++;
      while (i < text.length && text[i] !== ch) {
        if (text[i] === '\\' && i + 1 < text.length) i++;
        value += text[i] as string;
        i++;
      }
      if (i >= text.length) throw new ExprSyntaxError('unterminated string', start);
      i++;
      tokens.push({ type: 'string', value, at: start });
    } else if (/[0-9]/.test(ch)) {
      const digits = matchAt(NUMBER, text, i) ?? ch;
      tokens.push({ type: 'number', value: Number(digits), at: i });
      i += digits.length;
    } else if (/[A-Za-z_]/.test(ch)) {
      const name = matchAt(NAME, text, i) ?? ch;
      tokens.push({ type: 'name', value: name, at: i });
      i += name.length;
    } else {
      const punct = PUNCTUATION.find((p) => text.startsWith(p, i));
      if (punct === undefined) {
        const hint = ch === '{' ? ' (conditions are expressions, not templates: write x == 1, not {{ x }} == 1)' : '';
        const word = ch === '&' || ch === '|' ? ` (use "and" / "or")` : ch === '=' ? ' (use "==" to compare)' : '';
        throw new ExprSyntaxError(`unexpected character "${ch}"${hint}${word}`, i);
      }
      tokens.push({ type: 'punct', value: punct, at: i });
      i += punct.length;
    }
  }
  tokens.push({ type: 'end', value: '', at: text.length });
  return tokens;
}

const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'is', 'true', 'false', 'True', 'False', 'null', 'none', 'None']);
const COMPARE = new Set(['==', '!=', '<', '<=', '>', '>=']);

/** Recursive-descent parser over the token list. */
class Parser {
  readonly #tokens: Token[];
  readonly #text: string;
  #pos = 0;
  #depth = 0;
  constructor(text: string) {
    this.#text = text;
    this.#tokens = tokenize(text);
  }

  parse(): Expr {
    if (this.#peek().type === 'end') throw new ExprSyntaxError('empty condition', 0);
    const expr = this.#or();
    const next = this.#peek();
    if (next.type !== 'end') throw new ExprSyntaxError(`unexpected ${show(next)}`, next.at);
    return expr;
  }

  #peek(ahead = 0): Token {
    return this.#tokens[Math.min(this.#pos + ahead, this.#tokens.length - 1)] as Token;
  }
  #next(): Token {
    const token = this.#peek();
    this.#pos++;
    return token;
  }
  #isWord(word: string, ahead = 0): boolean {
    const t = this.#peek(ahead);
    return t.type === 'name' && t.value === word;
  }
  #isPunct(p: string): boolean {
    const t = this.#peek();
    return t.type === 'punct' && t.value === p;
  }
  #expectPunct(p: string): void {
    const t = this.#next();
    if (t.type !== 'punct' || t.value !== p) throw new ExprSyntaxError(`expected "${p}", found ${show(t)}`, t.at);
  }

  /** Runs `inner` one nesting level deeper: "(", "[" and "not" recurse, so their depth is bounded. */
  #nested<T>(at: number, inner: () => T): T {
    if (++this.#depth > MAX_NESTING) throw new ExprSyntaxError(`nested deeper than ${MAX_NESTING} levels`, at);
    try {
      return inner();
    } finally {
      this.#depth--;
    }
  }

  #or(): Expr {
    let left = this.#and();
    while (this.#isWord('or')) {
      this.#next();
      left = { kind: 'or', left, right: this.#and() };
    }
    return left;
  }
  #and(): Expr {
    let left = this.#not();
    while (this.#isWord('and')) {
      this.#next();
      left = { kind: 'and', left, right: this.#not() };
    }
    return left;
  }
  #not(): Expr {
    if (this.#isWord('not')) {
      const t = this.#next();
      return { kind: 'not', operand: this.#nested(t.at, () => this.#not()) };
    }
    return this.#comparison();
  }
  #comparison(): Expr {
    const left = this.#primary();
    const t = this.#peek();
    let op: CompareOp | null = null;
    if (t.type === 'punct' && COMPARE.has(t.value)) op = t.value as CompareOp;
    else if (this.#isWord('in')) op = 'in';
    else if (this.#isWord('not') && this.#isWord('in', 1)) op = 'not in';
    else if (this.#isWord('is')) return this.#test(left);
    if (op === null) return left;
    this.#next();
    if (op === 'not in') this.#next();
    const right = this.#primary();
    const after = this.#peek();
    if ((after.type === 'punct' && COMPARE.has(after.value)) || this.#isWord('in')) {
      throw new ExprSyntaxError(`chained comparison: add parentheses or "and"`, after.at);
    }
    return { kind: 'compare', op, left, right };
  }
  #test(left: Expr): Expr {
    const isToken = this.#next();
    let defined = true;
    if (this.#isWord('not')) {
      this.#next();
      defined = false;
    }
    const test = this.#next();
    if (test.type !== 'name' || (test.value !== 'defined' && test.value !== 'undefined')) {
      throw new ExprSyntaxError(`expected "defined" or "undefined" after "is", found ${show(test)}`, test.at);
    }
    if (left.kind !== 'var') throw new ExprSyntaxError('"is defined" applies to a variable', isToken.at);
    if (test.value === 'undefined') defined = !defined;
    return { kind: 'defined', operand: left, defined };
  }
  #primary(): Expr {
    const t = this.#next();
    if (t.type === 'string') return { kind: 'literal', value: t.value };
    if (t.type === 'number') return { kind: 'literal', value: t.value };
    if (t.type === 'punct' && t.value === '-') {
      const n = this.#next();
      if (n.type !== 'number') throw new ExprSyntaxError(`expected a number after "-", found ${show(n)}`, n.at);
      return { kind: 'literal', value: -n.value };
    }
    if (t.type === 'punct' && t.value === '(') {
      const inner = this.#nested(t.at, () => this.#or());
      this.#expectPunct(')');
      return inner;
    }
    if (t.type === 'punct' && t.value === '[') return this.#nested(t.at, () => this.#list());
    if (t.type === 'name') {
      if (t.value === 'true' || t.value === 'True') return { kind: 'literal', value: true };
      if (t.value === 'false' || t.value === 'False') return { kind: 'literal', value: false };
      if (t.value === 'null' || t.value === 'none' || t.value === 'None') return { kind: 'literal', value: null };
      if (KEYWORDS.has(t.value)) throw new ExprSyntaxError(`unexpected "${t.value}"`, t.at);
      return this.#path(t);
    }
    throw new ExprSyntaxError(t.type === 'end' ? 'unexpected end of condition' : `unexpected ${show(t)}`, t.at);
  }
  #list(): Expr {
    const items: Expr[] = [];
    if (!this.#isPunct(']')) {
      items.push(this.#or());
      while (this.#isPunct(',')) {
        this.#next();
        if (this.#isPunct(']')) break;
        items.push(this.#or());
      }
    }
    this.#expectPunct(']');
    return { kind: 'list', items };
  }
  #path(first: Extract<Token, { type: 'name' }>): Expr {
    const path: PathKey[] = [first.value];
    for (;;) {
      if (this.#isPunct('.')) {
        this.#next();
        const key = this.#next();
        if (key.type === 'name') path.push(key.value);
        else if (key.type === 'number' && Number.isInteger(key.value)) path.push(key.value);
        else throw new ExprSyntaxError(`expected a name after ".", found ${show(key)}`, key.at);
      } else if (this.#isPunct('[')) {
        this.#next();
        const key = this.#next();
        if (key.type === 'string') path.push(key.value);
        else if (key.type === 'number' && Number.isInteger(key.value)) path.push(key.value);
        else throw new ExprSyntaxError(`expected a quoted key or an index in [], found ${show(key)}`, key.at);
        this.#expectPunct(']');
      } else {
        break;
      }
    }
    const end = this.#tokens[this.#pos]?.at ?? this.#text.length;
    return { kind: 'var', path, text: this.#text.slice(first.at, end).trim() };
  }
}

function show(t: Token): string {
  if (t.type === 'end') return 'end of condition';
  if (t.type === 'string') return JSON.stringify(t.value);
  return `"${String(t.value)}"`;
}

/** Parses a condition; throws ExprSyntaxError with the offset of the problem. */
export function parseExpr(text: string): Expr {
  return new Parser(text).parse();
}
