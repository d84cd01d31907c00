// A tiny stand-in for the Shortstack API, for the load tool's own tests: links in a Map, the
// redirect, creation with the admin key, lists and stats, and switches that misbehave on purpose
// so the tests can check the accounting (wrong Location, 429s).
import Fastify, { type FastifyInstance } from 'fastify';

export interface FakeApi {
  url: string;
  app: FastifyInstance;
  links: Map<string, { id: number; url: string }>;
  served: { wrongLocation: number; rateLimited: number; redirects: number };
  /** Answer this code's redirects with a wrong Location. */
  corrupt(code: string): void;
  repair(code: string): void;
  /** Answer every n-th redirect with 429. */
  rateLimitEvery(n: number): void;
  close(): Promise<void>;
}

export async function startFakeApi(adminKey: string): Promise<FakeApi> {
  const links = new Map<string, { id: number; url: string }>();
  const served = { wrongLocation: 0, rateLimited: 0, redirects: 0 };
  const corrupted = new Set<string>();
  let limitEvery = 0;
  let nextId = 1;
  const app = Fastify();
  const authed = (auth: string | undefined) => auth === `Bearer ${adminKey}`;

  app.post<{ Body: { original_url?: string } }>('/urls', async (req, reply) => {
    if (!authed(req.headers.authorization)) return reply.code(401).send({ error: 'unauthorized' });
    const url = req.body?.original_url;
    if (typeof url !== 'string') return reply.code(400).send({ error: 'invalid', fields: { original_url: 'required' } });
    const id = nextId++;
    const code = `fake${id}`;
    links.set(code, { id, url });
    return reply.code(201).send({ id, short_code: code, original_url: url, is_active: true });
  });
  app.get('/urls', async (req, reply) => (authed(req.headers.authorization) ? [] : reply.code(401).send({ error: 'unauthorized' })));
  app.get<{ Params: { id: string } }>('/urls/:id/stats', async (req, reply) =>
    authed(req.headers.authorization) ? { url_id: Number(req.params.id), clicks: 0 } : reply.code(401).send({ error: 'unauthorized' }));
  app.get<{ Params: { code: string } }>('/:code', async (req, reply) => {
    const link = links.get(req.params.code);
    if (!link) return reply.code(404).send({ error: 'not found' });
    served.redirects += 1;
    if (limitEvery > 0 && served.redirects % limitEvery === 0) {
      served.rateLimited += 1;
      return reply.code(429).header('retry-after', '1').send({ error: 'rate limited' });
    }
    if (corrupted.has(req.params.code)) {
      served.wrongLocation += 1;
      return reply.code(302).header('location', `${link.url}#wrong`).send();
    }
    return reply.code(302).header('location', link.url).send();
  });

  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    url,
    app,
    links,
    served,
    corrupt: (code) => corrupted.add(code),
    repair: (code) => corrupted.delete(code),
    rateLimitEvery: (n) => {
      limitEvery = n;
    },
    close: () => app.close(),
  };
}
