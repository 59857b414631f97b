// The lab's router: BIRD in a network namespace of this machine, asked through the namespace's kernel route
// (`ip -n <netns> route show <vip>`), the truth the lab's traffic follows. A host names it with the `lab_router`
// var; real routers come from the inventory.
import { execFile } from 'node:child_process';
import type { RouterLookup, RouterView } from '../engine/rolling/routers.js';

/** Next hops in the output of `ip route show <vip>` (a multipath route lists "nexthop via A ..." lines). */
export function parseNextHops(text: string): string[] {
  return [...text.matchAll(/\bvia (\d+\.\d+\.\d+\.\d+)/g)].map((m) => m[1] as string).sort();
}

function netnsRouter(netns: string): RouterView {
  return {
    name: netns,
    optional: false,
    nextHops: (vip) =>
      new Promise((resolve, reject) => {
        execFile('ip', ['-n', netns, 'route', 'show', vip], { timeout: 5000 }, (error, stdout, stderr) => {
          if (error) reject(new Error(`ip -n ${netns} route show ${vip}: ${stderr.trim() || error.message}`));
          else resolve(parseNextHops(stdout));
        });
      }),
  };
}

export const labRouters: RouterLookup = (vars) => {
  const r = vars['lab_router'];
  if (typeof r !== 'object' || r === null || Array.isArray(r)) return [];
  const netns = (r as Record<string, unknown>)['netns'];
  return typeof netns === 'string' ? [netnsRouter(netns)] : [];
};
