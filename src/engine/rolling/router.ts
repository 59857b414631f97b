// Ask the router (where the inventory names one: `lab_router`) which next hops carry a VIP right now.
// The kernel route is the truth the traffic follows: `ip -n <netns> route show <vip>`.
import { execFile } from 'node:child_process';
import type { RouterRef } from './target.js';

export type NextHopReader = (router: RouterRef, vip: string) => Promise<string[]>;

/** Next hops in the output of `ip route show <vip>` (a multipath route lists "nexthop via A ..." lines). */
export function parseNextHops(text: string): string[] {
  return [...text.matchAll(/\bvia (\d+\.\d+\.\d+\.\d+)/g)].map((m) => m[1] as string).sort();
}

export const readNextHops: NextHopReader = (router, vip) =>
  new Promise((resolve, reject) => {
    execFile('ip', ['-n', router.netns, 'route', 'show', vip], { timeout: 5000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`ip -n ${router.netns} route show ${vip}: ${stderr.trim() || error.message}`));
      else resolve(parseNextHops(stdout));
    });
  });
