// Fastify makes a child logger (bound to the request id) for every request. With redaction on,
// pino clones and serialises the bindings at once: a measurable cost on the redirect path for
// a logger that is almost never used there. This child is made on first use instead; a plain
// class (no Proxy) so that Fastify's check of the logger's methods does not create it.
import type { FastifyBaseLogger } from 'fastify';

type ChildOptions = Parameters<FastifyBaseLogger['child']>[1];
type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

class LazyChildLogger {
  private real: FastifyBaseLogger | undefined;

  constructor(private readonly parent: FastifyBaseLogger, private readonly bindings: Record<string, unknown>, private readonly opts: ChildOptions) {}

  private get logger(): FastifyBaseLogger {
    return (this.real ??= this.parent.child(this.bindings, this.opts));
  }

  private call(level: Level, args: unknown[]): void {
    const logger = this.logger;
    (logger[level] as (...a: unknown[]) => void).apply(logger, args);
  }

  get level(): string { return this.real?.level ?? this.opts?.level ?? this.parent.level; }
  set level(level: string) { this.logger.level = level; }

  // Prototype methods, not per-instance closures: nothing is allocated per request.
  fatal(...args: unknown[]): void { this.call('fatal', args); }
  error(...args: unknown[]): void { this.call('error', args); }
  warn(...args: unknown[]): void { this.call('warn', args); }
  info(...args: unknown[]): void { this.call('info', args); }
  debug(...args: unknown[]): void { this.call('debug', args); }
  trace(...args: unknown[]): void { this.call('trace', args); }
  silent(...args: unknown[]): void { this.call('silent', args); }
  child(bindings: Record<string, unknown>, opts?: ChildOptions): FastifyBaseLogger {
    return this.logger.child(bindings, opts);
  }
}

export function lazyChildLogger(parent: FastifyBaseLogger, bindings: Record<string, unknown>, opts: ChildOptions): FastifyBaseLogger {
  return new LazyChildLogger(parent, bindings, opts) as unknown as FastifyBaseLogger;
}
