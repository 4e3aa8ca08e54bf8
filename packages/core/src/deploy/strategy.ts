// How a deployment moves through the fleet, as data: an ordered list of waves, each picking some
// of the clusters that are left and saying how carefully to change them. A service sets its own in
// the `portolan.io/deploy-strategy` annotation (YAML or JSON), the config may set a default, and
// a request may carry one.
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { InputError } from '../errors.ts';

export const ANNOTATION_DEPLOY_STRATEGY = 'portolan.io/deploy-strategy';

/** Which of the remaining clusters a wave takes. */
export const waveSelectSchema = z.union([
  z.object({ count: z.number().int().min(1).max(10_000) }).strict(),
  z.object({ clusters: z.array(z.string().min(1).max(253)).min(1).max(10_000) }).strict(),
  z.object({ regions: z.array(z.string().min(1).max(253)).min(1).max(1_000) }).strict(),
  /** One wave per region left, in region order: the wave's settings apply to each. */
  z.object({ each: z.literal('region') }).strict(),
  z.object({ rest: z.literal(true) }).strict(),
]);
export type WaveSelect = z.infer<typeof waveSelectSchema>;

export const waveSpecSchema = z
  .object({
    name: z.string().min(1).max(100).optional(),
    select: waveSelectSchema,
    /** Clusters of the wave changed at the same time. */
    maxConcurrency: z.number().int().min(1).max(10_000).default(1),
    /** After a cluster's rollout is complete, how long its new pods must run without a finding. */
    soakSeconds: z
      .number()
      .int()
      .min(0)
      .max(7 * 24 * 3600)
      .default(60),
    /** How long a cluster may take, from its change to a complete rollout. */
    progressDeadlineSeconds: z
      .number()
      .int()
      .min(1)
      .max(7 * 24 * 3600)
      .default(600),
    /** Clusters of the wave that may fail (each rolled back) before the deployment fails. */
    maxFailures: z.number().int().min(0).max(10_000).default(0),
    /** The wave waits for an `approve` before it starts. */
    requiresApproval: z.boolean().default(false),
  })
  .strict();
export type WaveSpec = z.infer<typeof waveSpecSchema>;

export const strategySchema = z
  .object({
    waves: z.array(waveSpecSchema).min(1).max(100),
    /** How long an unreachable cluster may hold the deployment before it fails and rolls back. */
    unreachableLimitSeconds: z
      .number()
      .int()
      .min(0)
      .max(24 * 3600)
      .default(300),
  })
  .strict();
export type Strategy = z.infer<typeof strategySchema>;
export type StrategyInput = z.input<typeof strategySchema>;

/** A canary wave of one cluster, then one region at a time. */
export const DEFAULT_STRATEGY: Strategy = strategySchema.parse({
  waves: [{ name: 'canary', select: { count: 1 } }, { select: { each: 'region' } }],
});

/** Validate a strategy given as data (a request body, the config). */
export function parseStrategy(input: unknown, where = 'strategy'): Strategy {
  const result = strategySchema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0];
    const path = issue?.path.length ? `.${issue.path.join('.')}` : '';
    throw new InputError(`${where}${path}: ${issue?.message ?? 'invalid'}`);
  }
  return result.data;
}

/**
 * The strategy an entity's annotation sets, or undefined when it sets none. The text is untrusted:
 * anything that is not a valid strategy is an InputError naming the annotation.
 */
export function strategyFromAnnotations(
  annotations: Record<string, string> | undefined,
): Strategy | undefined {
  const text = annotations?.[ANNOTATION_DEPLOY_STRATEGY];
  if (text === undefined || text.trim() === '') return undefined;
  if (text.length > 64 * 1024) throw new InputError(`annotation ${ANNOTATION_DEPLOY_STRATEGY}: too long`);
  let data: unknown;
  try {
    data = parseYaml(text, { maxAliasCount: 10 });
  } catch (error) {
    throw new InputError(
      `annotation ${ANNOTATION_DEPLOY_STRATEGY}: not YAML or JSON (${(error as Error).message.split('\n')[0]})`,
    );
  }
  return parseStrategy(data, `annotation ${ANNOTATION_DEPLOY_STRATEGY}`);
}
