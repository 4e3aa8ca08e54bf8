// Who may use the deploy write routes. Until the portal has sign-in and permissions, this one
// function is the whole rule: a bearer token from the environment, or the demo's guest. Routes ask
// it and nothing else, so sign-in replaces it here.
import { createHash, timingSafeEqual } from 'node:crypto';
import { ForbiddenError } from '@portolan/core/errors';
import type { DeployConfig } from './config.ts';

export type WriteAuthorizer = (headers: { authorization?: string | undefined }) => string;

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Returns the actor recorded on the events, or throws ForbiddenError. Never logs the token. */
export function deployWriteAuthorizer(
  config: Pick<DeployConfig, 'tokenEnv' | 'guest'>,
  env: NodeJS.ProcessEnv = process.env,
): WriteAuthorizer {
  const token = config.tokenEnv ? env[config.tokenEnv] : undefined;
  const expected = token ? digest(token) : undefined;
  return (headers) => {
    const header = headers.authorization ?? '';
    const given = /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
    // Compare digests: equal length, constant time, whatever the caller sent.
    if (expected && given && timingSafeEqual(digest(given), expected)) return 'token';
    if (config.guest) return 'guest';
    if (!expected)
      throw new ForbiddenError(
        config.tokenEnv
          ? `deploys are turned off: the environment variable ${config.tokenEnv} named by deploy.tokenEnv is not set`
          : 'deploys are turned off: set deploy.tokenEnv in the config to the environment variable holding the deploy token',
      );
    throw new ForbiddenError(
      given ? 'the bearer token is not the deploy token' : 'deploys need "Authorization: Bearer <token>"',
    );
  };
}
