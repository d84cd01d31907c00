import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { sharedPath } from '../../scripts/shared-dir.js';
import { generatedSpecs, parseUrlsCsv } from './seed.js';

describe('parseUrlsCsv', () => {
  it('keeps the active rows with their code, URL and title', () => {
    const csv = [
      'id,user_id,short_code,original_url,title,is_active,created_at,updated_at',
      '1,1,iRJKKP,https://hackstack.io/navy/quartz/1,Alert feed garden,True,2025-04-23 19:47:27,2025-10-05 08:34:07',
      '2,215,2p6DjN,https://opswise.net/calm/yard/2,,False,2025-02-23 17:50:08,2025-05-18 18:46:21',
      '3,4,abcDEF,"https://x.example/a,b",Quoted,True,2025-02-23 17:50:08,2025-05-18 18:46:21',
    ].join('\n');
    expect(parseUrlsCsv(csv)).toEqual([
      { originalUrl: 'https://hackstack.io/navy/quartz/1', title: 'Alert feed garden', shortCode: 'iRJKKP' },
      { originalUrl: 'https://x.example/a,b', title: 'Quoted', shortCode: 'abcDEF' },
    ]);
  });

  it('reads the shared seed data', () => {
    const specs = parseUrlsCsv(readFileSync(sharedPath('seed-data/urls.csv'), 'utf8'));
    expect(specs.length).toBeGreaterThan(100);
    expect(specs.every((s) => /^https?:\/\//.test(s.originalUrl))).toBe(true);
  });
});

describe('generatedSpecs', () => {
  it('makes distinct tagged URLs', () => {
    const specs = generatedSpecs(3, 'r1');
    expect(specs.map((s) => s.originalUrl)).toEqual([
      'https://example.com/loadtest/r1/seed/1?ref=shortstack',
      'https://example.com/loadtest/r1/seed/2?ref=shortstack',
      'https://example.com/loadtest/r1/seed/3?ref=shortstack',
    ]);
  });
});
