// Which placement a Pulumi stack's file names (docker unless it says aws).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

export function stackPlacement(root: string, stack: string): 'docker' | 'aws' {
  const path = join(root, `Pulumi.${stack}.yaml`);
  if (!existsSync(path)) throw new Error(`no Pulumi.${stack}.yaml in ${root}`);
  const doc = (parse(readFileSync(path, 'utf8')) ?? {}) as { config?: Record<string, unknown> };
  return doc.config?.['shortstack:placement'] === 'aws' ? 'aws' : 'docker';
}
