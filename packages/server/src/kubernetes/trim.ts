// What the watch caches keep of each object is declared once, in core (k8s/trim.ts), where the
// health-rule tests check it against what the rules read.
export {
  createInterner,
  createSharer,
  type Interner,
  KEPT,
  MAX_ANNOTATION_BYTES,
  type Sharer,
  trimObject,
} from '@portolan/core/k8s/trim';
