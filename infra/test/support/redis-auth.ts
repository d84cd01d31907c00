// Redis with a password: a client without one is refused (NOAUTH), not served.
import { Redis } from 'ioredis';
import { expect } from 'vitest';

export async function expectAnonymousRefused(port: number): Promise<void> {
  const anonymous = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  const errors: Error[] = [];
  anonymous.on('error', (e: Error) => errors.push(e));
  try {
    await expect(anonymous.connect().then(() => anonymous.get('x'))).rejects.toThrow();
    expect(errors.map((e) => e.message).join(' ')).toMatch(/NOAUTH/);
  } finally {
    anonymous.disconnect();
  }
}
