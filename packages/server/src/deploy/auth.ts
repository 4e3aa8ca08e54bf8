// Which permission each deployment action needs. Who holds it is the portal's policy
// (@portolan/core/auth/policy), asked by the guard: deploy routes declare `service.deploy`, and
// an action on a deployment is checked against the deployment's service.
import type { Action } from '@portolan/core/auth/policy';
import type { DeploymentAction } from './service.ts';

export const ACTION_PERMISSION: Record<DeploymentAction, Action> = {
  // Pausing and resuming steer a rollout the way starting one does.
  pause: 'service.deploy',
  resume: 'service.deploy',
  approve: 'service.approve',
  cancel: 'service.cancel',
  rollback: 'service.rollback',
};
