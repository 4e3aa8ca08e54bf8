import type { ClusterGlanceState, ServiceGlance as Glance } from '@portolan/core/health/glance';
import { Link } from 'react-router';
import { clusterPath } from '../clusters.ts';

const STATE_WORDS: Record<ClusterGlanceState, string> = {
  healthy: 'healthy',
  degraded: 'degraded',
  failing: 'failing',
  stale: 'stale',
  syncing: 'syncing',
  'not-deployed': 'not deployed',
};

/**
 * The service at a glance: its worst state in words and colour, the counts behind it, and every
 * cluster of the fleet by region, each a link to its card further down (or, where the service
 * does not run, to the cluster's page).
 */
export function ServiceGlance({ glance, apiVersion }: { glance: Glance; apiVersion?: string }) {
  return (
    <section className={`glance ${glance.state}`} aria-labelledby="glance-title">
      <h2 id="glance-title" className="glance-state">
        <span className={`state-badge ${glance.state}`}>{glance.state}</span>
        <span className="glance-reason">{glance.reason}</span>
      </h2>
      <div className="glance-regions">
        {glance.regions.map((r) => (
          <div key={r.region} className="glance-region">
            <h3>{r.region}</h3>
            <ul className="cells">
              {r.clusters.map((c) => {
                const body = (
                  <>
                    <span className="cell-name">{c.cluster}</span>
                    <span className="cell-state">{STATE_WORDS[c.state]}</span>
                    {c.versions.length > 0 && <span className="cell-version">{c.versions.join(', ')}</span>}
                  </>
                );
                const title = [
                  c.cluster,
                  STATE_WORDS[c.state],
                  c.reason,
                  c.pods ? `${c.readyPods}/${c.pods} pods ready` : '',
                ]
                  .filter(Boolean)
                  .join(' · ');
                return (
                  <li
                    key={c.cluster}
                    className={`cell ${c.state}`}
                    data-cluster={c.cluster}
                    data-state={c.state}
                  >
                    {c.state === 'not-deployed' ? (
                      // Nothing of the service to show here: the cluster's own page says what runs there.
                      <Link to={clusterPath(c.cluster)} title={title}>
                        {body}
                      </Link>
                    ) : (
                      <a href={`#cluster-${c.cluster}`} title={title}>
                        {body}
                      </a>
                    )}
                  </li>
                );
              })}
            </ul>
          </div>
        ))}
      </div>
      {apiVersion && <p className="muted small">Every cluster runs Kubernetes {apiVersion}.</p>}
    </section>
  );
}
