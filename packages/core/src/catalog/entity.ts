import { z } from 'zod';
import { DEFAULT_NAMESPACE, entityRef, kindProblem, nameProblem, namespaceProblem } from './ref.ts';
import {
  isValidLabelKey,
  isValidLabelValue,
  isValidObjectName,
  isValidString,
  isValidTag,
  isValidUrl,
} from './validators.ts';

export const API_VERSIONS = ['backstage.io/v1alpha1', 'backstage.io/v1beta1'] as const;
export const KINDS = [
  'Component',
  'API',
  'Resource',
  'System',
  'Domain',
  'Group',
  'User',
  'Location',
] as const;
export type Kind = (typeof KINDS)[number];

export interface Relation {
  type: string;
  targetRef: string;
}

export interface EntityMetadata {
  name: string;
  namespace?: string;
  title?: string;
  description?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  tags?: string[];
  links?: { url: string; title?: string; icon?: string; type?: string }[];
  [key: string]: unknown;
}

export interface Entity {
  apiVersion: string;
  kind: string;
  metadata: EntityMetadata;
  spec?: Record<string, unknown>;
  relations?: Relation[];
}

export { entityRef };

const refine =
  (check: (value: string) => string | undefined) =>
  (value: string, ctx: z.RefinementCtx): void => {
    const problem = check(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  };

/** A custom message only for a missing value; a value of the wrong type is described as such. */
const required = (message = 'is required') => ({
  error: (issue: { input?: unknown }) => (issue.input === undefined ? message : undefined),
});

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `a ${typeof value}`;
}

const EXPECTED: Record<string, string> = { object: 'a mapping', array: 'a list', string: 'a string' };

const labelKey = z
  .string()
  .refine(
    isValidLabelKey,
    'must be a valid key: an optional DNS subdomain and "/", then a name of 1-63 characters',
  );
const labelValue = z
  .string()
  .refine(
    isValidLabelValue,
    'must be empty or 1-63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit',
  );

const metadataSchema = z
  .object({
    name: z.string(required()).superRefine(refine(nameProblem)),
    namespace: z.string().superRefine(refine(namespaceProblem)).optional(),
    title: z.string().optional(),
    description: z.string().optional(),
    labels: z.record(labelKey, labelValue).optional(),
    annotations: z.record(labelKey, z.string()).optional(),
    tags: z
      .array(
        z.string().refine(isValidTag, 'must be 1-63 lower-case letters, digits and ":+#", separated by "-"'),
      )
      .optional(),
    links: z
      .array(
        z.object({
          url: z.string().refine(isValidUrl, 'must be a URL'),
          title: z.string().refine(isValidString, 'must not be empty').optional(),
          icon: z.string().refine(isValidObjectName, 'must be an icon name').optional(),
          type: z.string().optional(),
        }),
      )
      .optional(),
  })
  .loose();

const nonEmpty = z.string(required()).min(1, 'must not be empty');
const refList = z.array(nonEmpty);

const SPEC_SCHEMAS: Record<Kind, z.ZodType> = {
  Component: z
    .object({
      type: nonEmpty,
      lifecycle: nonEmpty,
      owner: nonEmpty,
      system: nonEmpty.optional(),
      subcomponentOf: nonEmpty.optional(),
      providesApis: refList.optional(),
      consumesApis: refList.optional(),
      dependsOn: refList.optional(),
      dependencyOf: refList.optional(),
    })
    .loose(),
  API: z
    .object({
      type: nonEmpty,
      lifecycle: nonEmpty,
      owner: nonEmpty,
      definition: z.string(required('is required (the API definition text)')),
      system: nonEmpty.optional(),
    })
    .loose(),
  Resource: z
    .object({
      type: nonEmpty,
      owner: nonEmpty,
      system: nonEmpty.optional(),
      dependsOn: refList.optional(),
      dependencyOf: refList.optional(),
    })
    .loose(),
  System: z.object({ owner: nonEmpty, domain: nonEmpty.optional(), type: z.string().optional() }).loose(),
  Domain: z
    .object({ owner: nonEmpty, subdomainOf: nonEmpty.optional(), type: z.string().optional() })
    .loose(),
  Group: z
    .object({
      type: nonEmpty,
      children: refList,
      parent: nonEmpty.optional(),
      members: refList.optional(),
      profile: z
        .object({ displayName: z.string().optional(), email: z.string().optional() })
        .loose()
        .optional(),
    })
    .loose(),
  User: z
    .object({
      memberOf: refList,
      profile: z
        .object({ displayName: z.string().optional(), email: z.string().optional() })
        .loose()
        .optional(),
    })
    .loose(),
  Location: z
    .object({
      type: z.string().optional(),
      target: nonEmpty.optional(),
      targets: refList.optional(),
      presence: z.enum(['required', 'optional']).optional(),
    })
    .loose()
    .refine((s) => s.target !== undefined || s.targets !== undefined, {
      message: 'needs "target" or "targets"',
    }),
};

export interface ValidationIssue {
  /** Path inside the document, e.g. ['spec', 'owner']. */
  path: (string | number)[];
  message: string;
}

export type ValidationResult = { ok: true; entity: Entity } | { ok: false; issues: ValidationIssue[] };

function issuesOf(error: z.ZodError, prefix: (string | number)[]): ValidationIssue[] {
  return error.issues.map((issue) => {
    const path = [...prefix, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))];
    const where = path.length > 0 ? `${path.join('.')}: ` : '';
    const message =
      issue.code !== 'invalid_type'
        ? issue.message
        : issue.input === undefined
          ? 'is required'
          : `must be ${EXPECTED[issue.expected] ?? `a ${issue.expected}`}, not ${typeName(issue.input)}`;
    return { path, message: `${where}${message}` };
  });
}

/** Validates one descriptor document as an entity of a known kind. */
export function validateEntity(doc: unknown): ValidationResult {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    return {
      ok: false,
      issues: [{ path: [], message: 'a descriptor must be a mapping with apiVersion, kind and metadata' }],
    };
  }
  const raw = doc as Record<string, unknown>;
  const issues: ValidationIssue[] = [];
  if (typeof raw.apiVersion !== 'string') {
    issues.push({ path: ['apiVersion'], message: 'apiVersion: is required' });
  } else if (!(API_VERSIONS as readonly string[]).includes(raw.apiVersion)) {
    issues.push({
      path: ['apiVersion'],
      message: `apiVersion: unknown apiVersion "${raw.apiVersion}" (expected ${API_VERSIONS.join(' or ')})`,
    });
  }
  let kind: Kind | undefined;
  if (typeof raw.kind !== 'string') {
    issues.push({ path: ['kind'], message: 'kind: is required' });
  } else {
    kind = KINDS.find((k) => k === raw.kind);
    if (!kind) {
      const hint = kindProblem(raw.kind) ? '' : ` (expected one of ${KINDS.join(', ')})`;
      issues.push({ path: ['kind'], message: `kind: unknown kind "${raw.kind}"${hint}` });
    }
  }
  const metadata = metadataSchema.safeParse(raw.metadata, { reportInput: true });
  if (!metadata.success) issues.push(...issuesOf(metadata.error, ['metadata']));
  if (kind) {
    const spec = SPEC_SCHEMAS[kind].safeParse(raw.spec ?? {}, { reportInput: true });
    if (!spec.success) issues.push(...issuesOf(spec.error, ['spec']));
  }
  if (issues.length > 0) return { ok: false, issues };
  const entity: Entity = {
    apiVersion: raw.apiVersion as string,
    kind: kind!,
    metadata: {
      ...(raw.metadata as EntityMetadata),
      namespace: (raw.metadata as EntityMetadata).namespace ?? DEFAULT_NAMESPACE,
    },
    spec: (raw.spec as Record<string, unknown>) ?? {},
  };
  return { ok: true, entity };
}
