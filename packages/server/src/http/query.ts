// Query-string parsing shared by every route group: lists, entity refs, one 400 message format.
import { normalizeRef } from '@portolan/core/catalog/ref';
import { InputError } from '@portolan/core/errors';
import { z } from 'zod';

/** A parameter that may repeat (`?kind=a&kind=b`) or be comma-separated (`?kind=a,b`). */
export const listParam = (description: string) =>
  z
    .union([z.string(), z.array(z.string())])
    .optional()
    .describe(description)
    .transform((v) =>
      v === undefined
        ? undefined
        : (Array.isArray(v) ? v : [v])
            .flatMap((s) => s.split(','))
            .map((s) => s.trim())
            .filter(Boolean),
    );

/** Validates a query (or params) object; every problem goes into one InputError message. */
export function parseQuery<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new InputError(
      result.error.issues.map((i) => `${i.path.join('.') || 'query'}: ${i.message}`).join('; '),
    );
  }
  return result.data;
}

/** Normalises references given in a query (`payments` → `group:default/payments`); 400 if bad. */
export function refsParam(
  values: string[] | undefined,
  defaultKind: string,
  what: string,
): string[] | undefined {
  return values?.map((v) => {
    try {
      return normalizeRef(v, { defaultKind });
    } catch (error) {
      throw new InputError(`${what}: ${(error as Error).message}`);
    }
  });
}
