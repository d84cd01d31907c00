// Rate limits shared by every replica: @fastify/rate-limit with its Redis store, per API key
// (its hash) or else per client IP (request.ip honours X-Forwarded-For only from TRUST_PROXY).
// Redis errors skip the limit rather than fail the request: a Redis outage must not take the
// API down with it. ResilientRedis's client has no offline queue, so a down Redis errors at once.
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import type { Authenticator } from '../auth/authenticator.js';
import { hashApiKey, presentedKey } from '../auth/keys.js';
import type { AppConfig } from '../config.js';
import { HttpError } from './errors.js';

/** Called for every request that presented an unknown key; throws 429 past the limit. */
export type UnknownKeyGuard = (request: FastifyRequest) => Promise<void>;

export async function installRateLimit(app: FastifyInstance, opts: { config: AppConfig; redis: Redis; auth: Authenticator }): Promise<UnknownKeyGuard> {
  const { config, redis, auth } = opts;
  await app.register(rateLimit, {
    global: true,
    max: config.rateLimitMax,
    timeWindow: config.rateLimitWindowMs,
    redis,
    nameSpace: 'shortstack:ratelimit:',
    skipOnError: true,
    keyGenerator: (request) => {
      const key = presentedKey(request.headers);
      return key !== undefined ? `key:${hashApiKey(key).slice(0, 32)}` : `ip:${request.ip}`;
    },
    allowList: config.rateLimitExemptAdmin ? (request) => auth.isAdminKey(presentedKey(request.headers)) : undefined,
    errorResponseBuilder: (_request, ctx) =>
      new HttpError(429, `rate limit exceeded: ${ctx.max} requests per ${Math.round(config.rateLimitWindowMs / 1000)} s; retry in ${ctx.after}`),
  });

  // The limit above is per presented key, so a client inventing a new key for every request
  // would never meet it. Unknown keys are therefore also counted per client IP.
  const unknownKeys = app.createRateLimit({ keyGenerator: (request) => `unknown-key:${request.ip}`, allowList: undefined });
  return async (request) => {
    const result = await unknownKeys(request);
    if (!result.isAllowed && result.isExceeded) {
      throw new HttpError(429, 'too many requests with unknown API keys', undefined, { 'retry-after': String(result.ttlInSeconds) });
    }
  };
}
