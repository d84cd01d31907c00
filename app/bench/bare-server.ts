// The ceiling: a bare Fastify server answering the same redirect from a Map, with the same
// Fastify defaults as the service (no logger), on the same machine, in the same run.
import Fastify from 'fastify';
import type { AddressInfo } from 'node:net';

export async function startBareRedirectServer(links: Map<string, string>): Promise<{ url: string; close(): Promise<void> }> {
  const app = Fastify({ logger: false });
  app.get<{ Params: { code: string } }>('/:code', async (request, reply) => {
    const target = links.get(request.params.code);
    if (target === undefined) return reply.code(404).send({ error: 'Not Found' });
    return reply.redirect(target, 302);
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => app.close() };
}
