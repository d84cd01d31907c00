// Every route needs a key unless its config says `public: true`. Runs at preValidation: after
// the rate limiter (onRequest), before body validation, so an anonymous caller learns nothing
// about the API but "401".
import type { FastifyInstance } from 'fastify';
import type { Authenticator } from '../auth/authenticator.js';
import { presentedKey } from '../auth/keys.js';
import { unauthorized } from './errors.js';

export function installAuth(app: FastifyInstance, auth: Authenticator): void {
  app.decorateRequest('principal', null);
  app.addHook('preValidation', async (request) => {
    if (request.routeOptions.config.public === true) return;
    const key = presentedKey(request.headers);
    if (key === undefined) throw unauthorized('missing API key: send Authorization: Bearer <key> or X-API-Key');
    const principal = await auth.authenticate(key);
    if (!principal) throw unauthorized('unknown or revoked API key');
    request.principal = principal;
  });
}
