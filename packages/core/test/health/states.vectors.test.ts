import { describe, expect, it } from 'vitest';
import { type ClusterObject, evaluateHealth } from '../../src/health/index.ts';
import { trimObject } from '../../src/k8s/trim.ts';
import type { KubeObject } from '../../src/k8s/types.ts';
import { tag } from './fixtures.ts';
import { STATE_CASES } from './vectors/states.ts';

describe('object states as Kubernetes means them (cited vectors)', () => {
  it.each(STATE_CASES)('$name ($source)', (c) => {
    const objects = tag('c1', c.objects);
    const findings = evaluateHealth(objects, Date.parse(c.now));
    // The same objects as the watch keeps them must be judged the same (see fixtures.run).
    const trimmed = objects.map(
      (o) => ({ ...o, object: trimObject(o.kind, structuredClone(o.object) as KubeObject) }) as ClusterObject,
    );
    expect(evaluateHealth(trimmed, Date.parse(c.now)), 'as the watch keeps them').toEqual(findings);
    expect(findings.map((f) => `${f.rule}:${f.severity}`).sort()).toEqual([...c.expect].sort());
    const first = c.expect[0]?.split(':')[0];
    const subject = findings.find((f) => f.rule === first);
    if (c.mentions) {
      const text = JSON.stringify([subject?.summary, subject?.explanation, subject?.evidence]).toLowerCase();
      for (const m of c.mentions) expect(text).toContain(m.toLowerCase());
    }
    for (const m of c.summaryMentions ?? []) expect(subject?.summary.toLowerCase()).toContain(m);
    if (c.notMentions) {
      const text = JSON.stringify([subject?.summary, subject?.explanation, subject?.nextSteps]).toLowerCase();
      for (const m of c.notMentions) expect(text).not.toContain(m.toLowerCase());
    }
    if (c.evidence) expect(subject?.evidence).toMatchObject(c.evidence);
    for (const f of findings) expect(f.nextSteps.length).toBeGreaterThan(0);
  });
});
