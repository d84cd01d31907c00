// `nginx -t` of a rendered Docker or AWS nginx.conf on this machine's nginx (1.22): host names
// resolved by a hosts file of the test's own in a private mount namespace.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** `nginx -t` of a rendered file, with the given names resolving to 127.0.0.1 (a mount namespace's /etc/hosts). */
export function nginxTest(conf: string, hosts: string[]): string {
  // Outside /tmp: the namespace below mounts a tmpfs there for the container's temp paths.
  const dir = mkdtempSync('/var/tmp/shortstack-nginx-t-');
  try {
    writeFileSync(join(dir, 'nginx.conf'), conf);
    writeFileSync(join(dir, 'hosts'), `127.0.0.1 localhost\n${hosts.map((a) => `127.0.0.1 ${a}`).join('\n')}\n`);
    // Output to a file: the access log is /dev/stdout, which nginx must be able to open.
    execFileSync('unshare', ['-m', 'sh', '-c',
      `mount --bind ${dir}/hosts /etc/hosts && mount -t tmpfs tmpfs /tmp && nginx -t -c ${dir}/nginx.conf >${dir}/out 2>&1 || true`]);
    return readFileSync(join(dir, 'out'), 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// The same file as Debian's nginx 1.22 takes it (one definition, with the engine tier's stand-in).
export { before1273 } from '../../engine/nginx-image.js';
