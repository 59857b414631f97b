// The routers a node peers with, as the rolling engine sees them: each answers "which next hops carry this VIP
// now". The engine only asks; how a router is reached (SSH, a local command, the lab's namespace) is an adapter
// built outside the engine and injected through RollingRunOptions.routers.

export interface RouterView {
  readonly name: string;
  /** An optional router that cannot be asked is reported and skipped; any other one fails the step. */
  readonly optional: boolean;
  /** The next hops this router forwards the VIP to, sorted. Throws when the router cannot be asked. */
  nextHops(vip: string): Promise<string[]>;
}

/** The routers to ask about one node, from its merged variables. */
export type RouterLookup = (vars: Readonly<Record<string, unknown>>) => readonly RouterView[];

export const NO_ROUTERS: RouterLookup = () => [];

export type RouterAnswer =
  { router: string; vip: string; hops: string[] } | { router: string; vip: string; skipped: string };

/** Ask every router about every VIP. An optional router's failure becomes a skipped answer; others throw. */
export async function askRouters(routers: readonly RouterView[], vips: readonly string[]): Promise<RouterAnswer[]> {
  const asks = routers.flatMap((r) =>
    vips.map(async (vip): Promise<RouterAnswer> => {
      try {
        return { router: r.name, vip, hops: await r.nextHops(vip) };
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        if (r.optional) return { router: r.name, vip, skipped: message };
        throw new Error(`router ${r.name}: ${message}`);
      }
    }),
  );
  return Promise.all(asks);
}

/** The routers that answered and do not (yet) list (`listed`), or still list, the address for some VIP. */
export function routersDisagreeing(answers: readonly RouterAnswer[], address: string, listed: boolean): string[] {
  const names = answers.filter((a) => 'hops' in a && a.hops.includes(address) !== listed).map((a) => a.router);
  return [...new Set(names)];
}

/** True when every router that answered lists (`listed`) or no longer lists the address for every VIP. */
export function routersAgree(answers: readonly RouterAnswer[], address: string, listed: boolean): boolean {
  return routersDisagreeing(answers, address, listed).length === 0;
}

/** The routers that answered, those skipped, and a note for the skipped ones. */
export function describeAnswers(answers: readonly RouterAnswer[]): {
  asked: string[];
  skipped: string[];
  skippedNote: string;
} {
  const asked = [...new Set(answers.filter((a) => 'hops' in a).map((a) => a.router))];
  const skipped = [...new Set(answers.filter((a) => 'skipped' in a).map((a) => a.router))];
  return {
    asked,
    skipped,
    skippedNote: skipped.length ? `; optional router(s) ${skipped.join(', ')} not asked (unreachable)` : '',
  };
}
