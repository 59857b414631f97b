// A play's hosts in batches: `serial` as a count or a percentage of the hosts, at least one host per batch.

/** The batch size `serial` means for this many hosts (a percentage rounds up; at least 1). */
export function batchSize(hostCount: number, serial: number | string): number {
  const size = typeof serial === 'number' ? serial : Math.ceil((Number.parseFloat(serial) / 100) * hostCount);
  return Math.max(1, Math.min(hostCount, size));
}

export function toBatches(hosts: string[], serial: number | string | undefined): string[][] {
  if (serial === undefined) return [hosts];
  const step = batchSize(hosts.length, serial);
  const batches: string[][] = [];
  for (let i = 0; i < hosts.length; i += step) batches.push(hosts.slice(i, i + step));
  return batches;
}

/**
 * Batches of at most `serial` hosts, never two of one failure domain, in as few batches as the domains allow:
 * R = max(ceil(hosts / size), hosts of the largest domain). Each batch first takes the next host of every
 * domain that has as many hosts left as there are batches left (else it could not finish in R), then fills up
 * with the next hosts in host order whose domain is not in the batch yet; a batch lists its hosts in host order.
 * Each domain's hosts go in host order; with distinct domains (or serial 1) this is exactly toBatches.
 */
export function toSpreadBatches(
  hosts: readonly string[],
  serial: number | string,
  domainOf: (host: string) => string,
): string[][] {
  const size = batchSize(hosts.length, serial);
  const left = new Map<string, string[]>();
  for (const h of hosts) left.set(domainOf(h), [...(left.get(domainOf(h)) ?? []), h]);
  let remaining = [...hosts];
  const rounds = Math.max(Math.ceil(hosts.length / size), ...[...left.values()].map((l) => l.length));
  const batches: string[][] = [];
  // Every round takes at least one host, so the loop ends; by the argument above, after exactly `rounds`.
  for (let round = 0; remaining.length > 0; round++) {
    const roundsLeft = rounds - round;
    const picked = new Set<string>();
    const domains = new Set<string>();
    const take = (host: string): void => {
      picked.add(host);
      domains.add(domainOf(host));
      left.get(domainOf(host))?.shift();
    };
    for (const queue of left.values()) if (queue.length === roundsLeft && queue[0] !== undefined) take(queue[0]);
    for (const h of remaining) if (picked.size < size && !domains.has(domainOf(h))) take(h);
    batches.push(remaining.filter((h) => picked.has(h)));
    remaining = remaining.filter((h) => !picked.has(h));
  }
  return batches;
}
