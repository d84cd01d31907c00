// The proxy ceiling's upstream: a bare Fastify process answering the redirect from a Map of the
// same generated links the stack holds. No cache, no database, no metrics, no logging: what is
// left is Node + Fastify + HTTP, the floor under any Node redirect service.
import Fastify from 'fastify';
import { generatedLink } from '../lib/links.js';
import { PROGRAM } from '../lib/aims.js';

// Its own process name: the bench counts its CPU apart from the replicas' (both are Node).
process.title = PROGRAM.bare;

const port = Number(process.env.PORT);
const prefix = process.env.LINK_PREFIX ?? 'b';
const count = Number(process.env.LINK_COUNT ?? '10000');
const links = new Map<string, string>();
for (let i = 1; i <= count; i++) {
  const l = generatedLink(prefix, i);
  links.set(l.code, l.originalUrl);
}

const app = Fastify({ logger: false });
app.get('/health', async () => ({ status: 'ok' }));
app.get<{ Params: { code: string } }>('/:code', async (req, reply) => {
  const url = links.get(req.params.code);
  if (url === undefined) return reply.code(404).send({ error: 'not found' });
  return reply.code(302).header('location', url).send();
});
await app.listen({ host: '127.0.0.1', port });
for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => void app.close().then(() => process.exit(0)));
