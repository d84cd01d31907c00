import { describe, expect, it } from 'vitest';
import { mountPointOf } from './mounts.js';

describe('mountPointOf', () => {
  const mounts = [
    'overlay / overlay rw 0 0',
    '/dev/vda /data ext4 rw 0 0',
    '/dev/vdb /data/pg\\040data ext4 rw 0 0',
    'proc /proc proc rw 0 0',
  ].join('\n');

  it('picks the longest mount point that holds the path, unescaping /proc/mounts', () => {
    expect(mountPointOf('/tmp/stack', mounts)).toBe('/');
    expect(mountPointOf('/data/stack/postgres', mounts)).toBe('/data');
    expect(mountPointOf('/data/pg data/base', mounts)).toBe('/data/pg data');
    // A prefix that is not a whole path component does not count.
    expect(mountPointOf('/database', mounts)).toBe('/');
  });
});
