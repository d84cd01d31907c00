// The shared folder beside the repository (../shared: the seed data and the API contract), for
// the tests that read it. It lives outside the repository, so a fresh clone may lack it: such a
// test fails at once, saying where the folder belongs, instead of with a file-not-found deep in a run.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** `../shared/<relative>` of the repository at `repoRoot`; throws when the folder or the path is missing. */
export function sharedPath(relative: string, repoRoot: string = REPO_ROOT): string {
  const shared = resolve(repoRoot, '..', 'shared');
  if (!existsSync(shared)) throw new Error(`${shared} not found beside the repository: clone it there (see README)`);
  const path = join(shared, relative);
  if (!existsSync(path)) throw new Error(`${path} not found: ${shared} is there but lacks ${relative} (an older copy? see README)`);
  return path;
}
