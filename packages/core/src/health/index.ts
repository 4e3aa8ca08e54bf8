// Health findings: what is wrong with a set of Kubernetes objects, why, and what to do.
//
//   const findings = evaluateHealth(
//     [...clusterObjects('prod-eu-1', { Pod: pods, Deployment: deployments, Event: events })],
//     now,                                   // Date or ms; core never reads the clock
//     { lifecycle: 'production', logTails }, // optional
//   );
//   diffFindings(previous, findings)          // { appeared, cleared, changed } for the SSE stream
//   rollUp(findings, (f) => serviceOf(f.object)) // per service/system/team, worst first
//   fleetSummary(findings, serviceOf)         // counts by severity and rule + worst services
//   filterFindings(findings, { cluster, severity, minSeverity })
//
// Finding ids are stable across evaluations of the same state. Every string a finding carries
// from the cluster is untrusted data: render it as text.
export { CronError, type CronSchedule, mostRecentFire, nextFire, parseCron, previousFire } from './cron.ts';
export { clusterObjects, evaluateHealth } from './engine.ts';
export * from './rollup.ts';
export { RULES, type RuleInfo } from './rules.ts';
export { compareFindings, DEFAULT_OPTIONS, logTailKey, sortFindings } from './snapshot.ts';
export * from './types.ts';
