import { Link } from 'react-router';
import { entityPath, shortRef } from '../api.ts';

/** Links a reference such as `payments` or `group:default/payments` to its page. */
export function EntityLink({ entityRef, defaultKind }: { entityRef: string; defaultKind?: string }) {
  const to = entityPath(entityRef, defaultKind);
  const label = shortRef(entityRef, defaultKind);
  if (!to) return <span className="ref">{entityRef}</span>;
  return (
    <Link to={to} className="ref">
      {label}
    </Link>
  );
}
