import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { TalliedHistogram } from './tallied-histogram.js';

const BUCKETS = [0.001, 0.005, 0.1, 1];
const config = { name: 'req_seconds', help: 'Request duration.', labelNames: ['method', 'route'] as const, buckets: BUCKETS };

/** prom-client's own Histogram and a TalliedHistogram, each in its own registry, fed the same values. */
function pair() {
  const theirs = new Registry();
  const ours = new Registry();
  const histogram = new Histogram({ ...config, labelNames: [...config.labelNames], buckets: [...BUCKETS], registers: [theirs] });
  const tallied = new TalliedHistogram({ ...config, registers: [ours] });
  const observe = (labels: { method: string; route: string }, value: number) => {
    histogram.labels(labels).observe(value);
    tallied.series(labels).observe(value);
  };
  return { theirs, ours, tallied, observe };
}

describe('TalliedHistogram', () => {
  it('reads out exactly as prom-client\'s Histogram: text exposition and JSON, bounds inclusive, past the last bound in +Inf only', async () => {
    const { theirs, ours, observe } = pair();
    for (const v of [0.0005, 0.001, 0.003, 0.1, 0.7, 3, 0.25]) observe({ method: 'GET', route: '/:code' }, v);
    observe({ method: 'POST', route: '/api/urls' }, 0.004);
    const text = await ours.metrics();
    expect(text).toBe(await theirs.metrics());
    expect(text).toContain('req_seconds_bucket{le="0.001",method="GET",route="/:code"} 2');
    expect(text).toContain('req_seconds_bucket{le="1",method="GET",route="/:code"} 6');
    expect(text).toContain('req_seconds_bucket{le="+Inf",method="GET",route="/:code"} 7');
    expect(text).toContain('req_seconds_count{method="POST",route="/api/urls"} 1');
    // prom-client's values carry an exemplar field (null, or undefined for _sum and _count) even with exemplars off.
    const noExemplars = (json: unknown) => JSON.parse(JSON.stringify(json, (k, v: unknown) => (k === 'exemplar' ? undefined : v))) as unknown;
    expect(await ours.getMetricsAsJSON()).toEqual(noExemplars(await theirs.getMetricsAsJSON()));
  });

  it('keeps one series per label set whatever the order of the keys, and counts it from zero after reset()', async () => {
    const { ours, tallied } = pair();
    const a = tallied.series({ method: 'GET', route: '/x' });
    expect(tallied.series({ route: '/x', method: 'GET' })).toBe(a);
    a.observe(0.002);
    ours.resetMetrics();
    expect(await ours.metrics()).not.toContain('req_seconds_count');
    a.observe(2);
    expect(await ours.metrics()).toContain('req_seconds_count{method="GET",route="/x"} 1');
  });

  it('refuses a label set that is not exactly its labels', () => {
    const { tallied } = pair();
    expect(() => tallied.series({ method: 'GET' } as never)).toThrow(/exactly the labels method, route/);
    expect(() => tallied.series({ method: 'GET', route: '/', status: '200' } as never)).toThrow(/exactly the labels/);
  });
});
