// A play's hosts in batches: `serial` as a count or a percentage of the hosts, at least one host per batch.

export function toBatches(hosts: string[], serial: number | string | undefined): string[][] {
  if (serial === undefined) return [hosts];
  const size = typeof serial === 'number' ? serial : Math.ceil((Number.parseFloat(serial) / 100) * hosts.length);
  const step = Math.max(1, Math.min(hosts.length, size));
  const batches: string[][] = [];
  for (let i = 0; i < hosts.length; i += step) batches.push(hosts.slice(i, i + step));
  return batches;
}
