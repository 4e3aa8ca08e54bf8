// Field formats of catalog entities, exactly as Backstage's catalog model judges them (its
// KubernetesValidatorFunctions, CommonValidatorFunctions and FieldFormatEntityPolicy): an entity
// Backstage accepts must not drop out of Portolan's catalog, and the other way round. Backstage's
// rules follow Kubernetes' but are stricter in one place: a DNS label has no "--".
// Proven by Backstage's own vectors in test/catalog/vectors/backstage-validators.ts.

const DNS_LABEL = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const OBJECT_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const KIND = /^[a-zA-Z][a-z0-9A-Z]*$/;
const API_VERSION_SUFFIX = /^[a-z0-9A-Z]+$/;
const TAG = /^[a-z0-9:+#]+(?:-[a-z0-9:+#]+)*$/;

const isString = (v: unknown): v is string => typeof v === 'string';

export function isValidDnsLabel(v: unknown): boolean {
  return isString(v) && v.length >= 1 && v.length <= 63 && DNS_LABEL.test(v);
}

export function isValidDnsSubdomain(v: unknown): boolean {
  return isString(v) && v.length >= 1 && v.length <= 253 && v.split('.').every(isValidDnsLabel);
}

/** `suffix` or `prefix/suffix`, each part checked on its own. */
function prefixed(v: unknown, prefix: (p: string) => boolean, suffix: (s: string) => boolean): boolean {
  if (!isString(v)) return false;
  const parts = v.split('/');
  if (parts.length === 1) return suffix(parts[0] as string);
  return parts.length === 2 && prefix(parts[0] as string) && suffix(parts[1] as string);
}

/** Entity names, label-key names and link icons: 1-63 of [A-Za-z0-9-_.], alphanumeric at both ends. */
export function isValidObjectName(v: unknown): boolean {
  return isString(v) && v.length >= 1 && v.length <= 63 && OBJECT_NAME.test(v);
}

export const isValidNamespace = isValidDnsLabel;

export function isValidKind(v: unknown): boolean {
  return isString(v) && v.length >= 1 && v.length <= 63 && KIND.test(v);
}

export function isValidApiVersion(v: unknown): boolean {
  return prefixed(
    v,
    isValidDnsSubdomain,
    (s) => s.length >= 1 && s.length <= 63 && API_VERSION_SUFFIX.test(s),
  );
}

export function isValidLabelKey(v: unknown): boolean {
  return prefixed(v, isValidDnsSubdomain, isValidObjectName);
}

export function isValidLabelValue(v: unknown): boolean {
  return v === '' || isValidObjectName(v);
}

export const isValidAnnotationKey = isValidLabelKey;

export function isValidAnnotationValue(v: unknown): boolean {
  return isString(v);
}

export function isValidTag(v: unknown): boolean {
  return isString(v) && v.length >= 1 && v.length <= 63 && TAG.test(v);
}

/** Anything the WHATWG URL parser accepts (it needs a scheme). */
export function isValidUrl(v: unknown): boolean {
  return isString(v) && URL.canParse(v);
}

/** A string with something other than whitespace in it. */
export function isValidString(v: unknown): boolean {
  return isString(v) && v.trim().length >= 1;
}
