// One redirect of every link (or several passes): fills the stack's caches before a measurement
// or a fault, so "cached redirects" are what is measured. Returns the redirects that succeeded.
import type { LinkSet } from './links.js';

export async function warmUp(url: string, links: LinkSet, o: { concurrency?: number; passes?: number } = {}): Promise<number> {
  let ok = 0;
  for (let pass = 0; pass < (o.passes ?? 1); pass++) {
    let next = 1;
    const worker = async () => {
      while (next <= links.size) {
        const rank = next++;
        try {
          const res = await fetch(new URL(`/${links.code(rank)}`, url), { redirect: 'manual' });
          await res.arrayBuffer();
          if (res.status === 302 && res.headers.get('location') === links.location(rank)) ok += 1;
        } catch {
          // Not warmed, not counted: the click count check compares against successes only.
        }
      }
    };
    await Promise.all(Array.from({ length: o.concurrency ?? 8 }, worker));
  }
  return ok;
}
