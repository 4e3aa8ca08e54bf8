// Entity references: `[kind:][namespace/]name`, compared case-insensitively, stored in the
// canonical lower-case form `kind:namespace/name`. The one parser and formatter of refs: the
// catalog, every route that takes a ref and the web app all use these.
import { InputError } from '../errors.ts';

import { isValidObjectName } from './validators.ts';

export const DEFAULT_NAMESPACE = 'default';

export interface EntityName {
  kind: string;
  namespace: string;
  name: string;
}

const NAMESPACE_RE = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const KIND_RE = /^[a-zA-Z][a-zA-Z0-9]*$/;

/** Returns why `name` is not a valid entity name, or undefined when it is. */
export function nameProblem(name: string): string | undefined {
  if (name.length === 0 || name.length > 63) return `must be 1 to 63 characters long (is ${name.length})`;
  if (!isValidObjectName(name)) {
    return 'must be letters, digits, "-", "_" or ".", starting and ending with a letter or digit';
  }
  return undefined;
}

export function namespaceProblem(namespace: string): string | undefined {
  if (namespace.length === 0 || namespace.length > 63) return 'must be 1 to 63 characters long';
  if (!NAMESPACE_RE.test(namespace)) return 'must be lower-case letters and digits separated by single "-"';
  return undefined;
}

export function kindProblem(kind: string): string | undefined {
  return KIND_RE.test(kind) ? undefined : 'must start with a letter and contain only letters and digits';
}

/** A malformed reference: an InputError, so a route that parses one answers 400. */
export class EntityRefError extends InputError {}

/**
 * Parses a reference. `defaultKind` applies when the reference has no `kind:` part; without one,
 * such a reference is an error. `defaultNamespace` applies when it has no `namespace/` part.
 */
export function parseEntityRef(
  ref: string,
  defaults: { defaultKind?: string; defaultNamespace?: string } = {},
): EntityName {
  if (typeof ref !== 'string' || ref.trim() === '') throw new EntityRefError('entity reference is empty');
  const text = ref.trim();
  const colon = text.indexOf(':');
  const slash = text.indexOf('/');
  let kind: string | undefined;
  let rest = text;
  // A colon after the slash belongs to the name, which is not valid anyway; only treat a
  // colon before any slash as the kind separator.
  if (colon !== -1 && (slash === -1 || colon < slash)) {
    kind = text.slice(0, colon);
    rest = text.slice(colon + 1);
  }
  let namespace: string | undefined;
  let name = rest;
  const nsSlash = rest.indexOf('/');
  if (nsSlash !== -1) {
    namespace = rest.slice(0, nsSlash);
    name = rest.slice(nsSlash + 1);
  }
  kind = kind ?? defaults.defaultKind;
  if (!kind) throw new EntityRefError(`"${ref}" needs a kind, as in "component:${text}"`);
  namespace = namespace ?? defaults.defaultNamespace ?? DEFAULT_NAMESPACE;
  const problem =
    (kindProblem(kind) && `kind "${kind}" ${kindProblem(kind)}`) ||
    (namespaceProblem(namespace.toLowerCase()) &&
      `namespace "${namespace}" ${namespaceProblem(namespace.toLowerCase())}`) ||
    (nameProblem(name) && `name "${name}" ${nameProblem(name)}`);
  if (problem) throw new EntityRefError(`invalid entity reference "${ref}": ${problem}`);
  return { kind, namespace, name };
}

export function stringifyEntityRef(e: EntityName): string {
  return `${e.kind}:${e.namespace}/${e.name}`.toLowerCase();
}

/** The canonical ref of an entity. */
export function entityRef(entity: { kind: string; metadata: { namespace?: string; name: string } }): string {
  return stringifyEntityRef({
    kind: entity.kind,
    namespace: entity.metadata.namespace ?? DEFAULT_NAMESPACE,
    name: entity.metadata.name,
  });
}

/** Like parseEntityRef, but undefined instead of an error (for values read from descriptors). */
export function tryParseEntityRef(
  ref: unknown,
  defaults?: { defaultKind?: string; defaultNamespace?: string },
): EntityName | undefined {
  if (typeof ref !== 'string') return undefined;
  try {
    return parseEntityRef(ref, defaults);
  } catch {
    return undefined;
  }
}

/** Like normalizeRef, but undefined instead of an error. */
export function tryNormalizeRef(
  ref: unknown,
  defaults?: { defaultKind?: string; defaultNamespace?: string },
): string | undefined {
  const parsed = tryParseEntityRef(ref, defaults);
  return parsed && stringifyEntityRef(parsed);
}

/**
 * A reference as people read it: the kind left out when it is `defaultKind`, the namespace when
 * it is the default one (`group:default/payments` reads `payments` where groups are expected).
 */
export function humanizeEntityRef(e: EntityName, options: { defaultKind?: string } = {}): string {
  const kind = e.kind.toLowerCase() === options.defaultKind?.toLowerCase() ? '' : `${e.kind.toLowerCase()}:`;
  const namespace = e.namespace.toLowerCase() === DEFAULT_NAMESPACE ? '' : `${e.namespace}/`;
  return `${kind}${namespace}${e.name}`;
}

/**
 * A reference where its kind goes without saying (an owner, a service in a list): the name, with
 * its namespace outside the default one. A value that is not a reference is shown as it is.
 */
export function shortEntityRef(ref: string, defaultKind = 'component'): string {
  const e = tryParseEntityRef(ref, { defaultKind });
  return e ? humanizeEntityRef(e, { defaultKind: e.kind }) : ref;
}

/** Canonical form of any reference that names its kind, e.g. from a URL. */
export function normalizeRef(
  ref: string,
  defaults?: { defaultKind?: string; defaultNamespace?: string },
): string {
  return stringifyEntityRef(parseEntityRef(ref, defaults));
}
