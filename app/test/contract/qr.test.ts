// GET /urls/:id/qr: a QR code that decodes back to the link's short URL (PNG decoded with jsQR),
// an SVG, the size bounds, and the access rules of GET /urls/:id.
import jsQRModule from 'jsqr';
import { PNG } from 'pngjs';

// jsqr ships CommonJS with a default export: under ESM it arrives wrapped once more.
const jsQR = ((jsQRModule as unknown as { default?: typeof jsQRModule }).default ?? jsQRModule) as unknown as (data: Uint8ClampedArray, width: number, height: number) => { data: string } | null;
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, call, PUBLIC_BASE_URL, startHarness, type Harness } from '../support/harness.js';

let h: Harness;
const api = (method: string, path: string, opts?: Parameters<typeof call>[3]) => call(h.service, method, path, opts);

beforeAll(async () => { h = await startHarness(); });
afterAll(async () => { await h?.stop(); });

async function image(path: string, key = ADMIN_KEY): Promise<Response> {
  return fetch(`${h.service.url}${path}`, { headers: { 'x-api-key': key } });
}

describe('QR codes', () => {
  it('PNG decodes back to the short URL, at the size asked', async () => {
    const link = (await api('POST', '/urls', { body: { original_url: 'https://example.com/qr' } })).body;
    for (const size of [64, 256, 1024]) {
      const res = await image(`/urls/${link.id}/qr?format=png&size=${size}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/png');
      const png = PNG.sync.read(Buffer.from(await res.arrayBuffer()));
      expect([png.width, png.height]).toEqual([size, size]);
      const decoded = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
      expect(decoded?.data, `size ${size}`).toBe(`${PUBLIC_BASE_URL}/${link.short_code}`);
    }
  });

  it('SVG by default, naming its size', async () => {
    const link = (await api('POST', '/urls', { body: { original_url: 'https://example.com/svg' } })).body;
    const res = await image(`/urls/${link.id}/qr`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/svg+xml; charset=utf-8');
    const svg = await res.text();
    expect(svg).toMatch(/^<svg [^>]*width="256" height="256"/);
    expect((await image(`/urls/${link.id}/qr?format=svg&size=100`).then((r) => r.text()))).toMatch(/width="100"/);
  });

  it('refuses a size out of range or a bad format with a 400 naming the field; same access as the link', async () => {
    const link = (await api('POST', '/urls', { body: { original_url: 'https://example.com/qr-bad' } })).body;
    for (const q of ['size=63', 'size=1025', 'size=abc', 'size=100.5', 'size=-1']) {
      const res = await api('GET', `/urls/${link.id}/qr?${q}`);
      expect(res.status, q).toBe(400);
      expect(res.body.fields, q).toHaveProperty('size');
    }
    const bad = await api('GET', `/urls/${link.id}/qr?format=gif`);
    expect(bad.status).toBe(400);
    expect(bad.body.fields).toHaveProperty('format');
    expect((await api('GET', '/urls/999999/qr')).status).toBe(404);
    expect((await api('GET', `/urls/${link.id}/qr`, { key: null })).status).toBe(401);
    const user = (await api('POST', '/users', { body: { username: 'qrowner', email: 'qrowner@example.com' } })).body;
    const key = (await api('POST', `/users/${user.id}/keys`)).body.key;
    expect((await api('GET', `/urls/${link.id}/qr`, { key })).status).toBe(403);
    const own = (await api('POST', '/urls', { key, body: { original_url: 'https://example.com/mine' } })).body;
    expect((await image(`/urls/${own.id}/qr?format=png`, key)).status).toBe(200);
  });
});
