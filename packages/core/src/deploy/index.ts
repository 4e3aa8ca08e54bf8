// Deploys, as pure data and decisions: the strategy (waves), the planner, the deployment as an
// event list and its fold, the gate and the executor's next step, and the delivery metrics.
export * from './events.ts';
export * from './external.ts';
export * from './gate.ts';
export * from './metrics.ts';
export * from './next.ts';
export * from './plan.ts';
export * from './strategy.ts';
