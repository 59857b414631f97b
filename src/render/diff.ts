// Unified diff of two texts (as `diff -u` prints it), using Myers' O(ND) shortest edit script.

const CONTEXT = 3;
const NO_EOL = '\\ No newline at end of file';

interface Line {
  text: string;
  /** True for a last line that has no trailing newline (it differs from the same text with one). */
  noEol: boolean;
}

type Edit = { op: ' ' | '-' | '+'; line: Line; a: number; b: number }; // a, b: 0-based positions before the edit

/**
 * A unified diff with 3 lines of context; '' when the texts are equal.
 * `null` means the file is absent: it is shown as /dev/null, as `diff -N` does.
 */
export function unifiedDiff(before: string | null, after: string | null, label: string): string {
  if (before === after) return '';
  const a = splitLines(before ?? '');
  const b = splitLines(after ?? '');
  const edits = shortestEdit(a, b);
  if (edits.every((e) => e.op === ' ')) return '';
  const out = [`--- ${before === null ? '/dev/null' : label}`, `+++ ${after === null ? '/dev/null' : label}`];
  for (const hunk of hunks(edits)) out.push(...hunk);
  return out.join('\n') + '\n';
}

function splitLines(text: string): Line[] {
  if (text === '') return [];
  const parts = text.split('\n');
  const endsWithNewline = parts[parts.length - 1] === '';
  if (endsWithNewline) parts.pop();
  return parts.map((t, i) => ({ text: t, noEol: !endsWithNewline && i === parts.length - 1 }));
}

function same(x: Line | undefined, y: Line | undefined): boolean {
  return x !== undefined && y !== undefined && x.text === y.text && x.noEol === y.noEol;
}

/** Myers' greedy algorithm with a trace, then a backtrack into a list of edits (deletions before insertions). */
function shortestEdit(a: Line[], b: Line[]): Edit[] {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  const offset = max + 1;
  const v = new Array<number>(2 * max + 3).fill(0);
  const trace: number[][] = [];
  outer: for (let d = 0; d <= max; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      const down = k === -d || (k !== d && (v[offset + k - 1] ?? 0) < (v[offset + k + 1] ?? 0));
      let x = down ? (v[offset + k + 1] ?? 0) : (v[offset + k - 1] ?? 0) + 1;
      let y = x - k;
      while (x < n && y < m && same(a[x], b[y])) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) break outer;
    }
  }
  // Backtrack from (n, m) through the saved V arrays.
  const edits: Edit[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d >= 0; d--) {
    const vd = trace[d] ?? [];
    const k = x - y;
    const down = k === -d || (k !== d && (vd[offset + k - 1] ?? 0) < (vd[offset + k + 1] ?? 0));
    const prevK = down ? k + 1 : k - 1;
    const prevX = vd[offset + prevK] ?? 0;
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      x--;
      y--;
      edits.push({ op: ' ', line: a[x] as Line, a: x, b: y });
    }
    if (d === 0) break;
    if (down) {
      y--;
      edits.push({ op: '+', line: b[y] as Line, a: x, b: y });
    } else {
      x--;
      edits.push({ op: '-', line: a[x] as Line, a: x, b: y });
    }
  }
  return reorder(edits.reverse());
}

/** Within each run of changes, print deletions before insertions, as diff does. */
function reorder(edits: Edit[]): Edit[] {
  const out: Edit[] = [];
  let i = 0;
  while (i < edits.length) {
    const e = edits[i] as Edit;
    if (e.op === ' ') {
      out.push(e);
      i++;
      continue;
    }
    const run: Edit[] = [];
    while (i < edits.length && (edits[i] as Edit).op !== ' ') run.push(edits[i++] as Edit);
    out.push(...run.filter((r) => r.op === '-'), ...run.filter((r) => r.op === '+'));
  }
  return out;
}

/** Group edits into hunks with CONTEXT lines around changes; adjacent hunks merge. */
function hunks(edits: Edit[]): string[][] {
  const changes = edits.map((e, i) => (e.op === ' ' ? -1 : i)).filter((i) => i >= 0);
  const result: string[][] = [];
  let idx = 0;
  while (idx < changes.length) {
    const first = changes[idx] as number;
    let last = first;
    idx++;
    // Merge the next change when the gap of unchanged lines is at most 2 * CONTEXT.
    while (idx < changes.length && (changes[idx] as number) - last - 1 <= 2 * CONTEXT) last = changes[idx++] as number;
    const start = Math.max(0, first - CONTEXT);
    const end = Math.min(edits.length - 1, last + CONTEXT);
    result.push(formatHunk(edits.slice(start, end + 1)));
  }
  return result;
}

function formatHunk(slice: Edit[]): string[] {
  const head = slice[0] as Edit;
  const aCount = slice.filter((e) => e.op !== '+').length;
  const bCount = slice.filter((e) => e.op !== '-').length;
  const lines = [`@@ -${range(head.a, aCount)} +${range(head.b, bCount)} @@`];
  for (const e of slice) {
    lines.push(e.op + e.line.text);
    if (e.line.noEol) lines.push(NO_EOL);
  }
  return lines;
}

/** "start,count" with 1-based start; count 1 is omitted; an empty range names the line before it. */
function range(start0: number, count: number): string {
  if (count === 0) return `${start0},0`;
  if (count === 1) return `${start0 + 1}`;
  return `${start0 + 1},${count}`;
}
