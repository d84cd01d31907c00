// GET /urls/:id/qr: a QR code of the link's short URL (the stack's public base URL + code), as
// SVG or PNG, with the access rules of GET /urls/:id. Drawn by `qrcode` (MIT) per request: a
// code is a few hundred microseconds of CPU, and a link's short URL never changes, so clients
// may keep the image (Cache-Control).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import QRCode from 'qrcode';
import { Type } from 'typebox';
import { assertOwns } from '../../auth/principal.js';
import { getUrl } from '../../store/urls-store.js';
import { callerOf, type RouteContext } from '../context.js';
import { notFound } from '../errors.js';
import { errors, IdParams } from '../schemas.js';

export const QR_SIZE = { min: 64, max: 1024, default: 256 } as const;

export const QrQuery = Type.Object({
  format: Type.Optional(Type.Union([Type.Literal('svg'), Type.Literal('png')], { default: 'svg', description: 'svg (default) or png' })),
  size: Type.Optional(Type.Integer({ minimum: QR_SIZE.min, maximum: QR_SIZE.max, default: QR_SIZE.default, description: 'Width and height in pixels' })),
});

/** The short URL of a code on this stack. Pure. */
export function shortUrl(publicBaseUrl: URL, code: string): string {
  return `${publicBaseUrl.href.replace(/\/$/, '')}/${code}`;
}

/** The QR image of `text`: PNG bytes or SVG text, `size` pixels square (quiet zone included). */
export async function qrImage(text: string, format: 'svg' | 'png', size: number): Promise<Buffer | string> {
  // Error correction M: survives a smudge over 15% of it, and stays small for a URL. The quiet
  // zone is 2 modules below 128 px (the standard 4 leaves too few pixels per module at 64 px:
  // a reader then fails, measured with jsQR), 4 from there.
  const opts = { errorCorrectionLevel: 'M' as const, margin: size < 128 ? 2 : 4, width: size };
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- qrcode's toString(text, options), not Object's
  return format === 'png' ? QRCode.toBuffer(text, { ...opts, type: 'png' }) : QRCode.toString(text, { ...opts, type: 'svg' });
}

export const qrRoutes: FastifyPluginAsyncTypebox<{ ctx: RouteContext }> = async (app, { ctx }) => {
  app.get('/urls/:id/qr', {
    schema: {
      operationId: 'getUrlQr', tags: ['urls'], summary: 'QR code of the short URL (SVG or PNG)',
      params: IdParams, querystring: QrQuery,
      produces: ['image/svg+xml', 'image/png', 'application/json'],
      response: { 200: Type.Unsafe<Buffer | string>(Type.String({ format: 'binary', description: 'The image (image/svg+xml or image/png)' })), ...errors(400, 401, 403, 404) },
    },
  }, async (request, reply) => {
    const row = await getUrl(ctx.db, request.params.id);
    if (!row) throw notFound('url');
    assertOwns(callerOf(request), row.user_id);
    const format = request.query.format ?? 'svg';
    const image = await qrImage(shortUrl(ctx.config.publicBaseUrl, row.short_code), format, request.query.size ?? QR_SIZE.default);
    return reply
      .header('content-type', format === 'png' ? 'image/png' : 'image/svg+xml; charset=utf-8')
      .header('cache-control', 'private, max-age=86400')
      .send(image);
  });
};
