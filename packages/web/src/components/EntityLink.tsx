import { entityPath } from '../api.ts';
import { Link } from '../router.tsx';

/** Links a reference such as `payments` or `group:default/payments` to its page. */
export function EntityLink({ entityRef, defaultKind }: { entityRef: string; defaultKind?: string }) {
  const m = /^(?:([^:/]+):)?(?:([^/]+)\/)?(.+)$/.exec(entityRef);
  const kind = (m?.[1] ?? defaultKind ?? 'component').toLowerCase();
  const namespace = (m?.[2] ?? 'default').toLowerCase();
  const name = m?.[3] ?? entityRef;
  const full = `${kind}:${namespace}/${name}`.toLowerCase();
  const to = kind === 'group' ? `/teams/${encodeURIComponent(full)}` : entityPath(full);
  return (
    <Link to={to} className="ref">
      {namespace === 'default' ? name : `${namespace}/${name}`}
    </Link>
  );
}
