// Pulumi.<stack>.yaml for promote: what the target accepts (read from its config, not its name)
// and the one line a promotion changes, written with the yaml Document API so that comments and
// layout stay and the promotion is a one-line diff in git.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isScalar, parseDocument, type Document } from 'yaml';
import type { AppImageRules } from '../topology/config-app-image.js';
import { PromoteError } from './promote-pulumi.js';

export const APP_IMAGE_KEY = 'shortstack:appImage';

export interface StackFile {
  path: string;
  text: string;
  doc: Document;
}

export const stackFilePath = (root: string, stack: string): string => join(root, `Pulumi.${stack}.yaml`);

export function readStackFile(root: string, stack: string): StackFile {
  const path = stackFilePath(root, stack);
  if (!existsSync(path)) throw new PromoteError(`no Pulumi.${stack}.yaml in ${root}: create the stack first (pulumi stack init ${stack})`);
  const text = readFileSync(path, 'utf8');
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw new PromoteError(`Pulumi.${stack}.yaml does not parse: ${doc.errors[0]!.message.split('\n')[0]}`);
  return { path, text, doc };
}

/** The placement and AWS tier the stack's config names (their defaults when unset). */
export function stackRules(file: StackFile): AppImageRules {
  const placement = file.doc.getIn(['config', 'shortstack:placement']) ?? 'docker';
  if (placement !== 'docker' && placement !== 'aws') throw new PromoteError(`${file.path}: shortstack:placement must be docker or aws (got ${JSON.stringify(placement)})`);
  if (placement === 'docker') return { placement };
  const tier = file.doc.getIn(['config', 'shortstack:aws', 'tier']) ?? 'dev';
  if (tier !== 'dev' && tier !== 'prod') throw new PromoteError(`${file.path}: shortstack:aws.tier must be dev or prod (got ${JSON.stringify(tier)})`);
  return { placement, tier };
}

/** The file's text with the app image set (everything else, comments included, as it was). */
export function withAppImage(file: StackFile, ref: string): string {
  const doc = file.doc.clone();
  // An existing value keeps its node, and with it a comment on its line.
  const node = doc.getIn(['config', APP_IMAGE_KEY], true);
  if (isScalar(node)) node.value = ref;
  else doc.setIn(['config', APP_IMAGE_KEY], ref);
  return doc.toString();
}

export const writeStackFile = (file: StackFile, text: string): void => writeFileSync(file.path, text);

/** A minimal line diff: the lines that differ between two texts, as `-`/`+` lines. */
export function lineDiff(before: string, after: string): string[] {
  const a = before.split('\n');
  const b = after.split('\n');
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  return [...a.slice(head, a.length - tail).map((l) => `-${l}`), ...b.slice(head, b.length - tail).map((l) => `+${l}`)];
}
