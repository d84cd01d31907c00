// Every route needs a key unless its config says `public: true`. Runs at preValidation: after
// the rate limiter (onRequest), before body validation, so an anonymous caller learns nothing
// about the API but "401".
import type { FastifyInstance, FastifyRequest, preValidationAsyncHookHandler } from 'fastify';
import type { Authenticator } from '../auth/authenticator.js';
import { presentedKey } from '../auth/keys.js';
import { unauthorized } from './errors.js';
import { addPreValidation } from './route-hooks.js';

export function installAuth(app: FastifyInstance, auth: Authenticator, onUnknownKey: (request: FastifyRequest) => Promise<void>): void {
  app.decorateRequest('principal', null);
  const authenticate: preValidationAsyncHookHandler = async (request) => {
    const key = presentedKey(request.headers);
    if (key === undefined) throw unauthorized('missing API key: send Authorization: Bearer <key> or X-API-Key');
    const principal = await auth.authenticate(key);
    if (!principal) {
      await onUnknownKey(request);
      throw unauthorized('unknown or revoked API key');
    }
    request.principal = principal;
  };
  // Attached per route rather than globally, so public routes (the redirect above all) run no
  // hook at all for it.
  app.addHook('onRoute', (route) => {
    if ((route.config as { public?: boolean } | undefined)?.public === true) return;
    addPreValidation(route, authenticate, 'first');
  });
}
