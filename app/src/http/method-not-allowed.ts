// Unknown route -> 404, but a known path asked with the wrong method -> 405 with Allow. Fastify
// only knows "no route"; this keeps a matcher per registered route template to tell them apart.
import type { FastifyInstance } from 'fastify';
import { HttpError, notFound } from './errors.js';
import { sendError } from './error-handler.js';

interface Template { pattern: RegExp; methods: Set<string> }

/** "/users/:id/keys" -> /^\/users\/[^/]+\/keys$/ */
export function templatePattern(url: string): RegExp {
  const source = url.split('/').map((seg) => (seg.startsWith(':') ? '[^/]+' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('/');
  return new RegExp(`^${source}$`);
}

export class RouteTable {
  private readonly templates = new Map<string, Template>();
  readonly topLevelNames = new Set<string>();

  add(url: string, methods: string | string[]): void {
    let t = this.templates.get(url);
    if (!t) {
      t = { pattern: templatePattern(url), methods: new Set() };
      this.templates.set(url, t);
    }
    for (const m of ([] as string[]).concat(methods)) t.methods.add(m.toUpperCase());
    // "/openapi.json" reserves "openapi" too: a code is base62, so the stem is what could clash.
    const first = url.split('/')[1] ?? '';
    if (first !== '' && !first.startsWith(':')) {
      this.topLevelNames.add(first.toLowerCase());
      this.topLevelNames.add(first.toLowerCase().split('.')[0]!);
    }
  }

  /** Methods allowed on a concrete path (empty: no route has this path at all). */
  allowed(path: string): string[] {
    const methods = new Set<string>();
    for (const t of this.templates.values()) if (t.pattern.test(path)) for (const m of t.methods) methods.add(m);
    return [...methods].sort();
  }
}

export function installNotFoundHandler(app: FastifyInstance, routes: RouteTable): void {
  app.addHook('onRoute', (route) => routes.add(route.url, route.method));
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?', 1)[0] ?? '/';
    const allowed = routes.allowed(path);
    // The method is allowed but the router still found nothing (a parameter over the router's
    // length limit): that path does not exist, it is not the wrong method.
    const err = allowed.length > 0 && !allowed.includes(request.method)
      // The path is not quoted back: an error never reflects what the client sent (Allow says enough).
      ? new HttpError(405, `method ${request.method} not allowed on this path`, undefined, { allow: allowed.join(', ') })
      : notFound('route');
    return sendError(err, request, reply);
  });
}
