// POST /urls/bulk and GET /urls/export on real PostgreSQL (via PgBouncer): row rules, taken
// codes as rejections, several batches, ownership, and an export that round-trips.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsvLine } from '../../src/csv/csv-line.js';
import { ADMIN_KEY, call, startHarness, type Harness } from '../support/harness.js';

let h: Harness;
const api = (method: string, path: string, opts?: Parameters<typeof call>[3]) => call(h.service, method, path, opts);

beforeAll(async () => { h = await startHarness(); });
afterAll(async () => { await h?.stop(); });

async function upload(csv: string, key = ADMIN_KEY): Promise<{ status: number; body: any }> {
  const form = new FormData();
  form.set('file', new Blob([csv], { type: 'text/csv' }), 'urls.csv');
  const res = await fetch(`${h.service.url}/urls/bulk`, { method: 'POST', headers: { 'x-api-key': key }, body: form });
  return { status: res.status, body: await res.json() };
}

async function exportCsv(key = ADMIN_KEY): Promise<{ status: number; type: string | null; rows: Record<string, string>[] }> {
  const res = await fetch(`${h.service.url}/urls/export`, { headers: { 'x-api-key': key } });
  const lines = (await res.text()).split('\n').filter((l) => l !== '');
  const header = (parseCsvLine(lines[0]!) as { cells: string[] }).cells;
  const rows = lines.slice(1).map((l) => {
    const p = parseCsvLine(l);
    if (!p.ok) throw new Error(p.error);
    return Object.fromEntries(header.map((k, i) => [k, p.cells[i]!]));
  });
  return { status: res.status, type: res.headers.get('content-type'), rows };
}

describe('links import', () => {
  it('imports good rows, rejects bad ones by row, a taken short_code included', async () => {
    expect((await api('POST', '/urls', { body: { original_url: 'https://example.com/first', short_code: 'takenAlready' } })).status).toBe(201);
    const user = (await api('POST', '/users', { body: { username: 'bulkowner', email: 'bulkowner@example.com' } })).body;
    const csv = [
      'original_url,short_code,title,tags,expires_at,user_id',
      'https://example.com/a,bulkA1,Title A,promo|q4,2099-01-01T00:00:00Z,',
      'https://example.com/b,,"Quoted, title",,,',
      `https://example.com/c,bulkC1,,,2099-01-01 10:00:00,${user.id}`,
      'ftp://example.com/d,,,,,',
      'https://example.com/e,takenAlready,,,,',
      'https://example.com/f,bulkA1,,,,',
      'https://example.com/g,,=SUM(1;2),,,',
      'https://example.com/h,,,BAD TAG,,',
      'https://example.com/i,,,,tomorrow,',
      'https://example.com/j,,,,,999999',
      'https://example.com/k,"unclosed,,,,',
    ].join('\n');
    const res = await upload(csv);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ count: 3, imported: 3, skipped: 0, rejected_count: 8 });
    const byRow = Object.fromEntries(res.body.rejected.map((r: { row: number; error: string }) => [r.row, r.error]));
    expect(Object.keys(byRow).map(Number).sort((a, b) => a - b)).toEqual([4, 5, 6, 7, 8, 9, 10, 11]);
    expect(byRow[4]).toMatch(/^original_url scheme "ftp:"/);
    expect(byRow[5]).toBe('short_code already taken');
    expect(byRow[6]).toBe('short_code already taken');
    expect(byRow[7]).toMatch(/^title must not start with/);
    expect(byRow[8]).toMatch(/^tags /);
    expect(byRow[9]).toMatch(/^expires_at /);
    expect(byRow[10]).toBe('user_id: no such user');
    expect(byRow[11]).toMatch(/Unclosed Quote/);
    const a = (await api('GET', '/urls?tag=promo')).body.find((u: { short_code: string }) => u.short_code === 'bulkA1');
    expect(a).toMatchObject({ original_url: 'https://example.com/a', title: 'Title A', tags: ['promo', 'q4'], expires_at: '2099-01-01T00:00:00.000Z' });
    const c = (await api('GET', `/urls?user_id=${user.id}`)).body;
    expect(c.map((u: { short_code: string }) => u.short_code)).toEqual(['bulkC1']);
    expect((await api('GET', '/bulkA1', { key: null })).status).toBe(302);
    // Each imported link has its created event, as one created by POST /urls.
    expect((await api('GET', `/events?url_id=${a.id}&event_type=created`)).body).toHaveLength(1);
  });

  it('imports across batches and answers 400 for a missing header column or no file, 415 for JSON', async () => {
    const rows = Array.from({ length: 2_500 }, (_, i) => `https://example.com/many/${i},,Many ${i},many,`);
    const res = await upload(['original_url,short_code,title,tags,expires_at', ...rows].join('\r\n'));
    expect(res.body).toMatchObject({ imported: 2_500, rejected_count: 0 });
    expect(Number((await fetch(`${h.service.url}/urls?tag=many&per_page=1`, { headers: { 'x-api-key': ADMIN_KEY } })).headers.get('x-total-count'))).toBe(2_500);
    expect(await upload('title,tags\nx,y')).toMatchObject({ status: 400, body: { fields: { file: 'missing column(s): original_url' } } });
    expect(await upload('')).toMatchObject({ status: 400, body: { fields: { file: 'is empty' } } });
    const form = new FormData();
    form.set('other', 'x');
    const none = await fetch(`${h.service.url}/urls/bulk`, { method: 'POST', headers: { 'x-api-key': ADMIN_KEY }, body: form });
    expect(none.status).toBe(400);
    expect((await api('POST', '/urls/bulk', { body: { file: 'x' } })).status).toBe(415);
  });

  it("a user key imports for itself only, and exports only its own links", async () => {
    const user = (await api('POST', '/users', { body: { username: 'bulkuser', email: 'bulkuser@example.com' } })).body;
    const key = (await api('POST', `/users/${user.id}/keys`)).body.key;
    const res = await upload(`original_url,short_code,user_id\nhttps://example.com/mine,mineOne,\nhttps://example.com/theirs,,1`, key);
    expect(res.body).toMatchObject({ imported: 1, rejected: [{ row: 2, error: 'user_id: a user key imports links for its own user only' }] });
    const mine = await exportCsv(key);
    expect(mine.status).toBe(200);
    expect(mine.rows.map((r) => r.short_code)).toEqual(['mineOne']);
    expect(mine.rows[0]).toMatchObject({ original_url: 'https://example.com/mine', user_id: String(user.id), is_active: 'true', click_count: '0' });
  });
});

describe('links export', () => {
  it('streams every link as CSV with the import columns first, in id order', async () => {
    const all = await exportCsv();
    expect(all.status).toBe(200);
    expect(all.type).toBe('text/csv; charset=utf-8');
    expect(Object.keys(all.rows[0]!)).toEqual(['original_url', 'short_code', 'title', 'tags', 'expires_at', 'id', 'user_id', 'is_active', 'click_count', 'created_at']);
    const total = Number((await fetch(`${h.service.url}/urls?per_page=1`, { headers: { 'x-api-key': ADMIN_KEY } })).headers.get('x-total-count'));
    expect(all.rows).toHaveLength(total);
    const ids = all.rows.map((r) => Number(r.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(all.rows.find((r) => r.short_code === 'bulkA1')).toMatchObject({ tags: 'promo|q4', title: 'Title A', expires_at: '2099-01-01T00:00:00.000Z' });
    expect(all.rows.some((r) => r.title === 'Quoted, title')).toBe(true);
    expect((await fetch(`${h.service.url}/urls/export`)).status).toBe(401);
  });

  it('escapes titles a spreadsheet would run as formulas, and an import of the export restores them', async () => {
    const title = '=HYPERLINK("http://evil.example","open me")';
    const made = await api('POST', '/urls', { body: { original_url: 'https://example.com/formula', short_code: 'formulaT1', title } });
    expect(made.status).toBe(201);
    const res = await fetch(`${h.service.url}/urls/export`, { headers: { 'x-api-key': ADMIN_KEY } });
    const line = (await res.text()).split('\n').find((l) => l.includes(',formulaT1,'))!;
    expect(line).toContain(`,"'=HYPERLINK(""http://evil.example"",""open me"")",`);
    // Its import columns, under a new code: the title arrives as the API stored it.
    const cells = (parseCsvLine(line) as { cells: string[] }).cells;
    const again = await upload(['original_url,short_code,title,tags,expires_at', [cells[0], 'formulaT2', `"${cells[2]!.replaceAll('"', '""')}"`, '', ''].join(',')].join('\n'));
    expect(again.body).toMatchObject({ imported: 1, rejected: [] });
    const id = (await exportCsv()).rows.find((r) => r.short_code === 'formulaT2')!.id;
    expect((await api('GET', `/urls/${id}`)).body.title).toBe(title);
  });
});
