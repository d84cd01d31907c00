// A task's files, split for delivery without baking anything into an image: plain files become
// S3 objects under a prefix named by their digest; files that embed secrets become keys of the
// component's one Secrets Manager secret. The config-init container writes both into the
// task's volumes (secret files 0400, owned by the container's user) before the others start.
import { createHash } from 'node:crypto';
import { CONFIG_DIR, SECRETS_DIR } from '../../topology/names.js';
import { isSecretText, type Component, type SecretText } from '../../topology/types.js';
import { taskComponents, type TaskLayout } from './tasks.js';

export interface PlainFile {
  /** Key below the task's prefix: `<container>/config/<path below CONFIG_DIR>`. */
  key: string;
  content: string;
}

export interface SecretFile {
  /** The key in the component's JSON secret, and the suffix of the init's environment variable. */
  key: string;
  container: string;
  /** Where the init writes it. */
  outPath: string;
  text: SecretText;
  /** uid:gid of the container that reads it. */
  owner: string;
}

export interface TaskFiles {
  /** Over every plain file and every secret file's place: a new digest is a new task definition. */
  digest: string;
  /** `<component>/<digest>`: the S3 prefix of this version of the files. */
  prefix: string;
  plain: PlainFile[];
  secret: SecretFile[];
}

/** Where the config-init container mounts each container's two volumes. */
export const initOut = (container: string, kind: 'config' | 'secrets') => `/out/${container}/${kind}`;

function below(dir: string, path: string): string | undefined {
  return path.startsWith(`${dir}/`) ? path.slice(dir.length + 1) : undefined;
}

export function taskFiles(layout: TaskLayout): TaskFiles {
  const plain: PlainFile[] = [];
  const secret: SecretFile[] = [];
  for (const c of taskComponents(layout)) {
    for (const f of c.files) {
      const inConfig = below(CONFIG_DIR, f.path);
      const inSecrets = below(SECRETS_DIR, f.path);
      if (isSecretText(f.content)) {
        if (inSecrets === undefined) throw new Error(`${c.name}: ${f.path} embeds a secret but is not under ${SECRETS_DIR}`);
        secret.push({
          key: `${c.name}_${inSecrets}`.replace(/[^A-Za-z0-9]/g, '_'),
          container: c.name,
          outPath: `${initOut(c.name, 'secrets')}/${inSecrets}`,
          text: f.content,
          owner: ownerOf(c),
        });
      } else {
        if (inConfig === undefined) throw new Error(`${c.name}: ${f.path} is not under ${CONFIG_DIR}`);
        plain.push({ key: `${c.name}/config/${inConfig}`, content: f.content });
      }
    }
  }
  plain.sort((a, b) => a.key.localeCompare(b.key));
  secret.sort((a, b) => a.key.localeCompare(b.key));
  const h = createHash('sha256');
  for (const p of plain) h.update(`${p.key}\0${p.content}\0`);
  for (const s of secret) h.update(`${s.key}\0${s.outPath}\0${s.owner}\0${s.text.uses.join(',')}\0`);
  const digest = h.digest('hex').slice(0, 16);
  return { digest, prefix: `${layout.service.name}/${digest}`, plain, secret };
}

const ownerOf = (c: Component): string => c.user ?? '0:0';

/** The environment variable a secret file reaches the config-init container through. */
export const secretEnvName = (s: SecretFile) => `SECRET_${s.key}`;

/** A writable task volume as the config-init container prepares it (ECS creates them root's, 0755). */
export interface WritableVolume {
  /** Where the init mounts it. */
  at: string;
  owner: string;
  /** 1777 for scratch (`/tmp`), 0700 for a component's own data. */
  mode: '1777' | '0700';
}

/**
 * The config-init container's script: copy this version's plain files from S3, write each
 * secret file from its environment variable, hand the files to their readers, and give each
 * writable volume to the user that writes it.
 */
export function initScript(files: TaskFiles, containers: string[], writable: WritableVolume[] = []): string {
  const lines = ['set -eu', 'umask 077'];
  for (const w of writable) lines.push(`chown ${w.owner} ${w.at}`, `chmod ${w.mode} ${w.at}`);
  for (const c of containers) lines.push(`mkdir -p ${initOut(c, 'config')} ${initOut(c, 'secrets')}`);
  if (files.plain.length > 0) lines.push('aws s3 cp --quiet --recursive "s3://$CONFIG_BUCKET/$CONFIG_PREFIX/" /out/');
  for (const s of files.secret) {
    lines.push(`printf '%s' "$${secretEnvName(s)}" > ${s.outPath}`, `chown ${s.owner} ${s.outPath}`, `chmod 0400 ${s.outPath}`);
  }
  // Plain files readable by every user of the task; each secret folder by its reader only.
  for (const c of containers) {
    const owner = files.secret.find((s) => s.container === c)?.owner;
    lines.push(`chmod -R a+rX ${initOut(c, 'config')}`);
    if (owner) lines.push(`chown ${owner} ${initOut(c, 'secrets')}`, `chmod 0500 ${initOut(c, 'secrets')}`);
  }
  return lines.join('\n');
}
