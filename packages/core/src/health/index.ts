export { CronError, type CronSchedule, parseCron, previousFire } from './cron.ts';
export { clusterObjects, evaluateHealth } from './engine.ts';
export * from './rollup.ts';
export { RULES, type RuleInfo } from './rules.ts';
export { compareFindings, DEFAULT_OPTIONS, logTailKey, sortFindings } from './snapshot.ts';
export * from './types.ts';
