// Whether a module is the process's entry point (`node file.js`, `tsx file.ts`), for the modules
// that are both a library and a command. Node names the entry in import.meta.url by its real
// path but keeps process.argv[1] as given: through a symlinked folder (a linked node_modules,
// macOS's /tmp) the two differ, and a plain comparison would make the command do nothing and
// exit 0 (a migration that silently never ran).
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export function isMainModule(moduleUrl: string, argv1: string | undefined = process.argv[1]): boolean {
  if (argv1 === undefined) return false;
  try {
    return realpathSync(argv1) === realpathSync(fileURLToPath(moduleUrl));
  } catch {
    return false; // the entry is not a file (node -e, a REPL)
  }
}
