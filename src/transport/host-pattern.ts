// OpenSSH host patterns, shared by ssh_config `Host` lines and known_hosts host fields.

/** True when `text` matches a glob with `*` (any run) and `?` (one character), case-insensitively. */
export function globMatch(pattern: string, text: string): boolean {
  const p = pattern.toLowerCase();
  const t = text.toLowerCase();
  // Iterative matcher with backtracking to the last `*`: linear in practice, no regex injection.
  let pi = 0;
  let ti = 0;
  let star = -1;
  let mark = 0;
  while (ti < t.length) {
    const c = p[pi];
    if (c === '?' || (c !== undefined && c !== '*' && c === t[ti])) {
      pi++;
      ti++;
    } else if (c === '*') {
      star = pi++;
      mark = ti;
    } else if (star >= 0) {
      pi = star + 1;
      ti = ++mark;
    } else {
      return false;
    }
  }
  while (p[pi] === '*') pi++;
  return pi === p.length;
}

/**
 * A list of patterns (`a,b` in known_hosts, `a b` on a Host line) matches when some positive pattern
 * matches and no negated (`!`) pattern does.
 */
export function patternListMatch(patterns: readonly string[], text: string): boolean {
  let matched = false;
  for (const pattern of patterns) {
    if (pattern.startsWith('!')) {
      if (globMatch(pattern.slice(1), text)) return false;
    } else if (globMatch(pattern, text)) {
      matched = true;
    }
  }
  return matched;
}
