import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { certLayout } from './layout.js';
import { ensureBootstrap, readLive, writeLive } from './store.js';
import { selfSignedCertificate } from './self-signed.js';

describe('certificate files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'shortstack-certs-'));
  const layout = certLayout(dir);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('bootstraps a self-signed pair once, the key readable by the group only', async () => {
    expect(readLive(layout)).toBeUndefined();
    expect(await ensureBootstrap(layout, 'sho.rt')).toBe(true);
    const live = readLive(layout, 'sho.rt')!;
    expect(live).toMatchObject({ selfSigned: true, covers: true });
    expect(statSync(layout.key).mode & 0o777).toBe(0o640);
    expect(await ensureBootstrap(layout, 'sho.rt')).toBe(false);
    expect(readLive(layout)!.serial).toBe(live.serial);
  });

  it('tells whether the certificate is for the configured name (a changed domain is due at once)', async () => {
    writeLive(layout, await selfSignedCertificate('127.0.0.1'));
    expect(readLive(layout, '127.0.0.1')!.covers).toBe(true);
    expect(readLive(layout, 'sho.rt')!.covers).toBe(false);
  });
});
