import { describe, expect, it } from 'vitest';
import { settings } from './settings.js';

const BASE = {
  CERTS_DIR: '/certs', CERT_NAME: 'sho.rt', ACME_DIRECTORY: 'https://ca/dir', ACME_EMAIL: 'ops@sho.rt', NGINX_PID: '1', METRICS_PORT: '9466',
};

describe('certificate manager settings', () => {
  it('reads the environment with the renewal defaults', () => {
    expect(settings(BASE)).toMatchObject({
      dir: '/certs', name: 'sho.rt', nginxPid: 1, metricsPort: 9466, renewBeforeDays: 30, checkEveryS: 3600, retryMinS: 30, retryMaxS: 3600,
    });
    expect(settings({ ...BASE, NGINX_DRAIN_FLAG_FILE: '/x/drain' }).drain).toEqual({ flagFile: '/x/drain', ms: 1000 });
  });

  it('names every missing or bad variable at once', () => {
    let message = '';
    try {
      settings({ CERT_NAME: 'sho.rt', RETRY_MIN_S: 'soon' });
    } catch (err) {
      message = (err as Error).message;
    }
    for (const k of ['CERTS_DIR', 'ACME_DIRECTORY', 'ACME_EMAIL', 'RETRY_MIN_S', 'NGINX_PID or NGINX_PID_FILE', 'METRICS_PORT']) expect(message).toContain(k);
  });
});
