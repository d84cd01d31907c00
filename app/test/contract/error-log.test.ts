// The level each error answer is logged at: a dependency that is down (503) is a warning, a bug
// (500) an error, the client's mistakes (4xx) nothing. Through Fastify's inject: no socket.
import Fastify, { LogController, type FastifyBaseLogger } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installErrorHandler } from '../../src/http/error-handler.js';
import { notFound, unavailable } from '../../src/http/errors.js';
import { createLogger } from '../../src/service.js';

describe('error log levels', () => {
  const lines: Array<{ level: number; msg: string; err?: { message: string } }> = [];
  const logger = createLogger({ logLevel: 'info', buildVersion: 't' }, { write: (s: string) => { lines.push(JSON.parse(s)); } });
  const app = Fastify({ loggerInstance: logger as FastifyBaseLogger, logController: new LogController({ disableRequestLogging: true }) });

  beforeAll(async () => {
    installErrorHandler(app);
    app.get('/down', () => { throw unavailable('database unavailable'); });
    app.get('/db-refused', () => { throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6432'), { code: 'ECONNREFUSED' }); });
    app.get('/bug', () => { throw new TypeError('undefined is not a function'); });
    app.get('/missing', () => { throw notFound('link'); });
    await app.ready();
  });
  afterAll(() => app.close());

  const logged = async (url: string) => {
    lines.length = 0;
    const res = await app.inject({ method: 'GET', url });
    return { status: res.statusCode, lines: lines.map(({ level, msg, err }) => ({ level, msg, err: err?.message })) };
  };

  it('logs a 503 as a warning, whether thrown as one or mapped from a database error', async () => {
    expect(await logged('/down')).toEqual({ status: 503, lines: [{ level: 40, msg: 'dependency unavailable', err: 'database unavailable' }] });
    expect(await logged('/db-refused')).toEqual({
      status: 503, lines: [{ level: 40, msg: 'dependency unavailable', err: 'connect ECONNREFUSED 127.0.0.1:6432' }],
    });
  });

  it('logs a 500 as an error and a 4xx not at all', async () => {
    expect(await logged('/bug')).toEqual({ status: 500, lines: [{ level: 50, msg: 'request failed', err: 'undefined is not a function' }] });
    expect(await logged('/missing')).toEqual({ status: 404, lines: [] });
  });
});
