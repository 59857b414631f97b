// The shape of a playbook's plays and of a task's own keywords (the module's args have the module's schema).
import { z } from 'zod';
import { parseDuration } from '../config/duration.js';
import { varsSchema } from '../inventory/schema.js';

const text = z.string({ error: 'expected a string' }).min(1, { error: 'expected a non-empty string' });
const bool = z.boolean({ error: 'expected true or false' });

// Each branch of a union carries the union's expectation: zod reports the branch whose type matched.
const SERIAL = 'expected a positive integer or a percentage like "25%"';
const serial = z.union([z.int({ error: SERIAL }).min(1), z.string({ error: SERIAL }).regex(/^(100|[1-9][0-9]?)%$/)], {
  error: SERIAL,
});

const DURATION = 'expected a duration like "500ms", "60s" or "2m"';
const duration = z
  .union([z.number({ error: DURATION }).min(0), z.string({ error: DURATION }).regex(/^\d+(\.\d+)?(ms|s|m|h)$/)], {
    error: DURATION,
  })
  .transform((value) => parseDuration(value) ?? 0);

// `{ var: NAME }` rather than a bare name: a variable called pve_node could not shadow the built-in key.
const SPREAD_BY = 'expected "pve_node" or { var: NAME } (an inventory variable naming each host\'s failure domain)';
const spreadBy = z.union(
  [
    z.literal('pve_node', { error: SPREAD_BY }),
    z.strictObject(
      {
        var: z
          .string({ error: 'expected a variable name' })
          .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'expected a variable name' }),
      },
      { error: SPREAD_BY },
    ),
  ],
  { error: SPREAD_BY },
);

// prefault: the default goes through the transform to milliseconds (default would skip it).
const rollingKeys = z.strictObject({
  serial: serial.default(1),
  drain: z.enum(['bgp', 'vrrp', 'none'], { error: 'expected one of "bgp", "vrrp", "none"' }).default('bgp'),
  min_healthy: z.int({ error: 'expected an integer >= 0' }).min(0).default(1),
  drain_timeout: duration.prefault('60s'),
  settle: duration.prefault('2s'),
  /** Per node: more TCP resets than this from the VIPs' frontends while it was out stops the roll after it. */
  max_resets: z.int({ error: 'expected an integer >= 0' }).min(0).optional(),
  /** Failure domains: no batch takes two hosts of one domain. */
  spread_by: spreadBy.optional(),
  /** Before a batch leaves, the nodes outside it must be serving in at least this many domains of spread_by. */
  min_healthy_domains: z.int({ error: 'expected an integer >= 1' }).min(1).optional(),
});

const rolling = rollingKeys.superRefine((r, ctx) => {
  if (r.min_healthy_domains !== undefined && r.spread_by === undefined)
    ctx.addIssue({
      code: 'custom',
      path: ['min_healthy_domains'],
      message: 'min_healthy_domains counts the failure domains of spread_by: set spread_by too (e.g. pve_node)',
    });
});

export const playSchema = z.strictObject({
  name: text.optional(),
  hosts: z.union([text, z.array(text).min(1)], { error: 'expected a host pattern (a string, or a list of patterns)' }),
  vars: varsSchema.nullable().optional(),
  gather_facts: bool.optional(),
  become: bool.optional(),
  serial: serial.optional(),
  max_fail_percentage: z.number({ error: 'expected a percentage 0-100' }).min(0).max(100).optional(),
  rolling: rolling.optional(),
  stack: z
    .enum(['herr-ober'], { error: 'expected "herr-ober" (the stack whose variables this play validates and derives)' })
    .optional(),
  tasks: z.array(z.unknown(), { error: 'expected a list of tasks' }).nullable().optional(),
  handlers: z.array(z.unknown(), { error: 'expected a list of handlers' }).nullable().optional(),
});

export const playbookSchema = z
  .array(z.unknown(), { error: 'expected a list of plays' })
  .min(1, { error: 'expected at least one play' });

const stringOrList = z.union([text, z.array(text)], { error: 'expected a string or a list of strings' });
const condition = z.union([z.string(), z.boolean(), z.array(z.union([z.string(), z.boolean()]))], {
  error: 'expected a condition (a string such as "x == 1", true/false, or a list of conditions)',
});

/** A task's keywords, everything but its one module key. */
export const taskKeywordsSchema = z.strictObject({
  name: text.optional(),
  when: condition.optional(),
  notify: stringOrList.optional(),
  tags: stringOrList.optional(),
  become: bool.optional(),
  register: z
    .string({ error: 'expected a variable name' })
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'expected a variable name' })
    .optional(),
  changed_when: condition.optional(),
  failed_when: condition.optional(),
  ignore_errors: bool.optional(),
  loop: z
    .union([z.array(z.unknown()), z.string().regex(/^\s*\{\{.*\}\}\s*$/s)], {
      error: 'expected a list, or a template such as "{{ ober.certs }}" that renders to one',
    })
    .optional(),
});

export const TASK_KEYWORDS: readonly string[] = Object.keys(taskKeywordsSchema.shape);
