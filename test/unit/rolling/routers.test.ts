// The verdict over every router: withdrawn when none lists the node, announced when all do; an optional router
// that cannot be asked is skipped (and named), a required one fails the question.
import { describe, expect, it } from 'vitest';
import { askRouters, describeAnswers, routersAgree, type RouterView } from '../../../src/engine/rolling/routers.js';

const router = (name: string, hops: string[] | Error, optional = false): RouterView => ({
  name,
  optional,
  nextHops: () => (hops instanceof Error ? Promise.reject(hops) : Promise.resolve(hops)),
});

describe('routers', () => {
  it('one router that still lists the node keeps it from being withdrawn', async () => {
    const answers = await askRouters([router('bird', ['10.0.0.12']), router('frr', ['10.0.0.11', '10.0.0.12'])], ['v']);
    expect(routersAgree(answers, '10.0.0.11', false)).toBe(false);
    expect(routersAgree(answers, '10.0.0.12', true)).toBe(true);
    expect(routersAgree(answers, '10.0.0.11', true)).toBe(false);
  });
  it('an optional router that cannot be asked is skipped and said so; a required one throws', async () => {
    const down = new Error('connect ECONNREFUSED');
    const answers = await askRouters([router('bird', []), router('edge', down, true)], ['v']);
    expect(routersAgree(answers, '10.0.0.11', false)).toBe(true);
    expect(describeAnswers(answers)).toEqual({
      asked: ['bird'],
      skipped: ['edge'],
      skippedNote: '; optional router(s) edge not asked (unreachable)',
    });
    await expect(askRouters([router('edge', down)], ['v'])).rejects.toThrow('router edge: connect ECONNREFUSED');
  });
});
