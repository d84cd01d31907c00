import { describe, expect, it } from 'vitest';
import { attribute, perfScriptStacks, renderShares } from './pg-perf.js';

describe('PostgreSQL samples by work and part', () => {
  it('charges a stack to its outermost work and its innermost part', () => {
    const shares = attribute([
      ['_bt_compare', '[unknown]', '_bt_doinsert', 'btinsert', 'ExecInsertIndexTuples', 'CopyFrom', 'DoCopy', 'PostgresMain'],
      ['clear_page_erms', 'mdextend', 'smgrextend', 'RelationGetBufferForTuple', 'heap_multi_insert', 'CopyFrom', 'PostgresMain'],
      ['copy_folio_from_iter_atomic', 'XLogFileInit', 'XLogWrite', 'XLogInsert', 'heap_multi_insert', 'CopyFrom', 'PostgresMain'],
      ['btint8cmp', '_bt_first', 'ExecCheckIndexConstraints', 'ExecInsert', 'standard_ExecutorFinish', 'PostgresMain'],
      ['base_yyparse', 'pg_plan_queries', 'PostgresMain'],
      ['mdwrite', 'FlushBuffer', 'CreateCheckPoint', 'CheckpointerMain', 'AuxiliaryProcessMain'],
      ['[unknown]', '[unknown]'],
      ['_bt_compare', 'ExecInsertIndexTuples', 'CopyFrom', 'PostgresMain'],
    ]);
    expect(shares[0]).toEqual({ work: 'COPY (the flush\'s rows)', part: 'index entries', samples: 2 });
    expect(shares).toContainEqual({ work: 'COPY (the flush\'s rows)', part: 'files extended (a page at a time)', samples: 1 });
    // Zero-filling a new segment is charged to it, not to the record that needed the segment.
    expect(shares).toContainEqual({ work: 'COPY (the flush\'s rows)', part: 'new WAL segments zero-filled', samples: 1 });
    expect(shares).toContainEqual({ work: 'data-modifying CTEs (roll-up upserts, page marks)', part: 'conflict checks (ON CONFLICT)', samples: 1 });
    expect(shares).toContainEqual({ work: 'planning', part: 'other', samples: 1 });
    expect(shares).toContainEqual({ work: 'checkpointer', part: 'page writes', samples: 1 });
    expect(shares).toContainEqual({ work: 'other', part: 'other', samples: 1 });
    expect(shares.reduce((n, s) => n + s.samples, 0)).toBe(8);
  });

  it('reads the named process\'s stacks from perf script, innermost frame first', () => {
    const text = [
      'postgres',
      '\t    ffffffff8123 copy_folio_from_iter_atomic',
      '\t          108ef3 XLogFileInit',
      '\t          344815 [unknown]',
      '',
      'nginx',
      '\t          1234 ngx_http_process_request',
      '',
      'postgres',
      '\t          58b875 _bt_compare',
      '\t          58f821 ExecInsertIndexTuples',
      '',
    ].join('\n');
    expect(perfScriptStacks(text, 'postgres')).toEqual([
      ['copy_folio_from_iter_atomic', 'XLogFileInit', '[unknown]'],
      ['_bt_compare', 'ExecInsertIndexTuples'],
    ]);
    expect(perfScriptStacks(text, 'redis-server')).toEqual([]);
  });

  it('renders each work with its parts, in us per click and share of all samples', () => {
    const lines = renderShares([
      { work: 'COPY', part: 'index entries', samples: 6 },
      { work: 'planning', part: 'other', samples: 3 },
      { work: 'COPY', part: 'heap rows', samples: 1 },
    ], 0.5);
    expect(lines).toEqual([
      '    3.50   70.0%  COPY',
      '    3.00   60.0%    index entries',
      '    0.50   10.0%    heap rows',
      '    1.50   30.0%  planning',
      '    1.50   30.0%    other',
    ]);
    expect(renderShares([], 1)).toEqual(['  (no samples)']);
  });
});
