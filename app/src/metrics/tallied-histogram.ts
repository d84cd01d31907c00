// A histogram for the hot path: each series is a few plain additions into arrays of its own, read
// out when the registry is read. prom-client's Histogram.observe() (a bound child's too) validates
// and hashes the label set and makes a closure on every call: 1.7-1.9 us per redirect on this
// machine (`npm run bench:profile -- --profile`), the largest single cost of the response hook.
// The registry reads any metric through get() (the text exposition too, when the metric has no
// getForPromString), so this one is read exactly as a prom-client Histogram is.
import type { Aggregator, LabelValues, Metric, MetricObjectWithValues, MetricValueWithName, Registry } from 'prom-client';

export interface Observer { observe(value: number): void }

class Series implements Observer {
  /** Observations per bucket, not cumulative; the last slot is past the highest bound. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(readonly labels: Readonly<Record<string, string>>, private readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    const { bounds } = this;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    this.counts[i]! += 1;
    this.sum += value;
    this.count += 1;
  }

  clear(): void {
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
  }
}

export interface TalliedHistogramConfig<T extends string> {
  name: string;
  help: string;
  labelNames: readonly T[];
  buckets: readonly number[];
  registers: readonly Registry[];
}

type Value<T extends string> = MetricValueWithName<T | 'le'>;

export class TalliedHistogram<T extends string> {
  readonly name: string;
  readonly help: string;
  readonly type = 'histogram';
  readonly aggregator: Aggregator = 'sum';
  readonly labelNames: readonly T[];
  private readonly bounds: readonly number[];
  private readonly byKey = new Map<string, Series>();

  constructor(config: TalliedHistogramConfig<T>) {
    this.name = config.name;
    this.help = config.help;
    this.labelNames = config.labelNames;
    this.bounds = [...config.buckets].sort((a, b) => a - b);
    // Not one of prom-client's classes, but read through the same get() and reset().
    for (const r of config.registers) r.registerMetric(this as unknown as Metric);
  }

  /** The series of one full label set, made once: keep it and observe on it. */
  series(labels: Readonly<Record<T, string>>): Observer {
    const given: Readonly<Record<string, string>> = labels;
    const names: readonly string[] = this.labelNames;
    if (Object.keys(given).length !== names.length || names.some((n) => typeof given[n] !== 'string')) {
      throw new Error(`${this.name}: a series needs exactly the labels ${names.join(', ')}`);
    }
    const key = names.map((n) => given[n]).join('\u0000');
    let s = this.byKey.get(key);
    if (!s) this.byKey.set(key, (s = new Series(Object.fromEntries(names.map((n) => [n, given[n]!])), this.bounds)));
    return s;
  }

  /** As prom-client's Histogram.get(): cumulative buckets, +Inf, _sum and _count per series observed. */
  async get(): Promise<MetricObjectWithValues<Value<T>>> {
    const values: Array<Value<T>> = [];
    for (const s of this.byKey.values()) {
      if (s.count === 0) continue;
      const labels = s.labels as LabelValues<T | 'le'>;
      let cumulative = 0;
      this.bounds.forEach((le, i) => {
        cumulative += s.counts[i]!;
        values.push({ labels: { le, ...labels }, value: cumulative, metricName: `${this.name}_bucket` });
      });
      values.push(
        { labels: { le: '+Inf', ...labels }, value: s.count, metricName: `${this.name}_bucket` },
        { labels: { ...labels }, value: s.sum, metricName: `${this.name}_sum` },
        { labels: { ...labels }, value: s.count, metricName: `${this.name}_count` },
      );
    }
    // prom-client's typings say a numeric enum for the type, and a collect function, where its
    // metrics' get() gives the type's name and no function.
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values } as unknown as MetricObjectWithValues<Value<T>>;
  }

  reset(): void {
    for (const s of this.byKey.values()) s.clear();
  }
}
