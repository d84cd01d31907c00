// What route plugins are given: the configuration and the ports to the outside (database,
// caches, click sink). Structural types, so the server can be built around any implementation.
import type { FastifyRequest } from 'fastify';
import type pg from 'pg';
import type { Authenticator } from '../auth/authenticator.js';
import type { Principal } from '../auth/principal.js';
import type { AppConfig } from '../config.js';
import type { CachedLink } from '../domain/link.js';
import type { Metrics } from '../metrics/metrics.js';
import { unauthorized } from './errors.js';

export interface LinkCache {
  /** The cached value without I/O or a promise (null: known absent), undefined when get() must ask. */
  cached(code: string): CachedLink | null | undefined;
  /** As cached(), counting no hit: the caller calls countHit() if it serves the value. */
  peek(code: string): CachedLink | null | undefined;
  countHit(): void;
  get(code: string, load: (code: string) => Promise<CachedLink | null>): Promise<CachedLink | null>;
  invalidate(code: string): Promise<void>;
}

export interface ClickSink {
  record(click: { urlId: number; userId: number | null; at: Date; referrer: string | null; userAgent: string | null; ip: string | null; forwardedFor?: string | null }): void;
}

export interface RouteContext {
  config: AppConfig;
  db: pg.Pool;
  links: LinkCache;
  auth: Authenticator;
  clicks: ClickSink;
  metrics: Metrics;
  redisHealthy(): boolean;
  /** Words no custom alias may take: every top-level route name plus a few extras. */
  reservedWords(): ReadonlySet<string>;
  /** True once shutdown began: /ready answers 503 so the balancer stops sending traffic. */
  isStopping(): boolean;
}

declare module 'fastify' {
  interface FastifyRequest { principal: Principal | null }
  interface FastifyContextConfig {
    /** No API key needed (redirect, health, readiness, OpenAPI). */
    public?: boolean;
  }
}

/** The authenticated caller; the auth hook has already refused anonymous requests. */
export function callerOf(request: FastifyRequest): Principal {
  if (!request.principal) throw unauthorized();
  return request.principal;
}
