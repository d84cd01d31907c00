// Adds a preValidation hook to one route (from an onRoute hook), before or after its own: a
// hook attached per route costs nothing on the routes that do not need it.
import type { RouteOptions, preValidationAsyncHookHandler } from 'fastify';

type Hooks = NonNullable<RouteOptions['preValidation']>;

export function addPreValidation(route: RouteOptions, hook: preValidationAsyncHookHandler, where: 'first' | 'last'): void {
  const own = ([] as unknown[]).concat(route.preValidation ?? []);
  route.preValidation = (where === 'first' ? [hook, ...own] : [...own, hook]) as Hooks;
}
