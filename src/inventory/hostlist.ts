// Hostlist ranges: "lb[01-03]" -> lb01 lb02 lb03; "rgw[1-2,5].internal"; several groups -> cartesian product.

/** A bracket group that is not a valid range; `message` says why. */
export class HostRangeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HostRangeError';
  }
}

/** One pattern names at most this many hosts (the product of all its groups); a fleet is far smaller. */
export const MAX_NAMES = 10_000;
const MAX_DIGITS = 6;

const tooMany = (pattern: string) =>
  new HostRangeError(`invalid host range "${pattern}": more than ${MAX_NAMES} names`);

export function hasRange(pattern: string): boolean {
  return pattern.includes('[') || pattern.includes(']');
}

/** Expands one bracket body ("01-03,7") into its items; zero padding follows the start's width. */
function expandBracket(body: string, pattern: string): string[] {
  if (body.trim() === '') throw new HostRangeError(`invalid host range "${pattern}": empty brackets`);
  const items: string[] = [];
  for (const part of body.split(',')) {
    const match = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!match)
      throw new HostRangeError(`invalid host range "${pattern}": "${part}" is not a number or a range like 01-03`);
    const startText = match[1] ?? '';
    const endText = match[2] ?? startText;
    if (startText.length > MAX_DIGITS || endText.length > MAX_DIGITS) {
      throw new HostRangeError(`invalid host range "${pattern}": numbers have at most ${MAX_DIGITS} digits`);
    }
    const start = Number(startText);
    const end = Number(endText);
    if (end < start)
      throw new HostRangeError(`invalid host range "${pattern}": ${startText}-${endText} runs backwards`);
    if (items.length + end - start >= MAX_NAMES) throw tooMany(pattern);
    const width = startText.startsWith('0') && startText.length > 1 ? startText.length : 0;
    for (let n = start; n <= end; n++) items.push(String(n).padStart(width, '0'));
  }
  return items;
}

/** Expands all bracket groups of a pattern, in order; a pattern without brackets expands to itself. */
export function expandHostlist(pattern: string): string[] {
  let results = [''];
  let i = 0;
  while (i < pattern.length) {
    const open = pattern.indexOf('[', i);
    const close = pattern.indexOf(']', i);
    if (open === -1) {
      if (close !== -1) throw new HostRangeError(`invalid host range "${pattern}": "]" without "["`);
      const rest = pattern.slice(i);
      results = results.map((r) => r + rest);
      break;
    }
    if (close !== -1 && close < open) throw new HostRangeError(`invalid host range "${pattern}": "]" without "["`);
    if (close === -1) throw new HostRangeError(`invalid host range "${pattern}": "[" without "]"`);
    const literal = pattern.slice(i, open);
    const body = pattern.slice(open + 1, close);
    if (body.includes('[')) throw new HostRangeError(`invalid host range "${pattern}": nested "["`);
    const items = expandBracket(body, pattern);
    if (results.length * items.length > MAX_NAMES) throw tooMany(pattern);
    results = results.flatMap((r) => items.map((item) => r + literal + item));
    i = close + 1;
  }
  return results;
}

/** True for an address whose brackets are a range (IPv6 literals such as "[::1]" are not). */
export function isAddressRange(address: string): boolean {
  return /\[[0-9,\s-]*\]/.test(address) && !address.includes(':');
}
