// What one component's Docker containers are made of, as pure functions of the topology's
// Component: the runtime settings every instance shares, the labels, the file layout and the
// seeder that carries the files. DockerService (service.ts) turns them into resources; tests call
// them without Pulumi.
import type { ContainerArgs } from '@pulumi/docker/container.js';
import { CONTAINER_LABELS } from '../../topology/context.js';
import { CONFIG_DIR, SECRETS_DIR } from '../../topology/names.js';
import type { Component, ConfigFile } from '../../topology/types.js';
import { dockerContainerName } from '../types.js';
import { shortDigest } from './generations.js';
import { canonicalCpus, canonicalSeconds } from './readback.js';

/** Secret files are readable by the container's user alone: mode 0400, its uid and gid. */
export const SECRET_FILE_MODE = '0400';

/** A file's owner and group from the container's `user` (`uid[:gid]`; root when unset). */
export const fileOwner = (user: string | undefined) => {
  const [uid = '0', gid = uid] = (user ?? '0:0').split(':');
  return { owner: uid, group: gid };
};

export interface FileLayout {
  configFiles: ConfigFile[];
  secretFiles: ConfigFile[];
  /**
   * Plain config files: the volume holding them is named by their digest, so a new set of
   * files gets a new, empty volume (a removed or renamed file cannot linger) and the old one
   * goes with the old containers.
   */
  plainDigest: string;
  /** Secret files: by their paths, modes and owners only (a digest of a secret's value must not be in a name). */
  secretLayout: string;
}

export function fileLayout(c: Component): FileLayout {
  const configFiles = c.files.filter((f) => f.path.startsWith(`${CONFIG_DIR}/`));
  const secretFiles = c.files.filter((f) => f.path.startsWith(`${SECRETS_DIR}/`));
  return {
    configFiles,
    secretFiles,
    plainDigest: shortDigest(configFiles.map((f) => [f.path, f.content])),
    secretLayout: shortDigest(secretFiles.map((f) => [f.path, SECRET_FILE_MODE, c.user ?? '0:0'])),
  };
}

/** The settings every instance of a component runs with, in the form the provider reads back. */
export interface ContainerRuntime {
  envs: string[];
  command: string[] | undefined;
  ulimits: NonNullable<ContainerArgs['ulimits']>;
  cpus: string;
  healthcheck: ContainerArgs['healthcheck'];
  tmpfs: Record<string, string>;
  /** A digest of what the provider's Update would not apply (see below): a label of it replaces the container. */
  runtimeDigest: string;
  ports: { internal: number; external: number; ip: string; protocol: string }[];
}

/** Call after checkSecretPlacement: the environment and command are plain strings then. */
export function containerRuntime(c: Component): ContainerRuntime {
  const envs = Object.entries(c.env).map(([k, v]) => `${k}=${v as string}`);
  const command = c.command?.map((a) => a as string);
  // Docker's pids cgroup limit (`--pids-limit`) is not among @pulumi/docker 5.x's Container
  // inputs (nor the terraform provider's docker_container); RLIMIT_NPROC is the limit it can
  // set. The kernel counts it per uid, across containers sharing one (the topology sizes
  // those alike), and does not apply it to root.
  const ulimits = [{ name: 'nproc', soft: c.resources.pids, hard: c.resources.pids }];
  // Values the provider stores in the form it reads back (resource_docker_container_funcs.go):
  // anything else is a diff on every `up` (see readback.ts).
  const cpus = canonicalCpus(c.resources.cpus);
  const healthcheck: ContainerArgs['healthcheck'] = c.health
    ? {
      tests: c.health.test,
      interval: canonicalSeconds(c.health.intervalS),
      timeout: canonicalSeconds(c.health.timeoutS),
      retries: c.health.retries,
      startPeriod: canonicalSeconds(c.health.startPeriodS),
      startInterval: canonicalSeconds(0),
    }
    // The app image's HEALTHCHECK probes a server the one-shot migration never starts.
    : c.oneShot ? { tests: ['NONE'], interval: '0s', timeout: '0s', startPeriod: '0s', startInterval: '0s', retries: 0 } : undefined;
  const tmpfs = Object.fromEntries(c.tmpfs.map((p) => [p, 'rw,nosuid,nodev,size=64m,mode=1777']));
  // Neither `healthcheck` nor `tmpfs` is ForceNew, and the provider's Update sends neither to
  // the engine: a change would be stored and never applied. The digest label (labels are
  // ForceNew) replaces the container instead.
  const runtimeDigest = shortDigest({ healthcheck, tmpfs });
  const ports = c.publish.map((p) => {
    const internal = c.ports[p.port];
    if (internal === undefined) throw new Error(`${c.name} publishes unknown port ${p.port}`);
    // An explicit host IP: an empty one binds 0.0.0.0 and :: and reads back as two ports.
    return { internal, external: p.hostPort, ip: p.on === 'public' ? '0.0.0.0' : '127.0.0.1', protocol: 'tcp' };
  }).sort((a, b) => a.internal - b.internal);
  return { envs, command, ulimits, cpus, healthcheck, tmpfs, runtimeDigest, ports };
}

/** The labels that find an instance's container (Alloy turns them into `component` and `replica`). */
export function instanceLabels(stackName: string, component: string, instance: string): { label: string; value: string }[] {
  return [
    { label: CONTAINER_LABELS.stack, value: stackName },
    { label: CONTAINER_LABELS.component, value: component },
    { label: CONTAINER_LABELS.instance, value: instance },
  ];
}

/** A volume's label: which stack it belongs to (`npm run down -- --delete-data` finds them by it). */
export const stackLabel = (stackName: string) => [{ label: CONTAINER_LABELS.stack, value: stackName }];

/**
 * Config files live in a small volume of their own. The provider copies uploads into a
 * container by extracting at "/", which Docker refuses on a read-only root file system even
 * when every file lands in a volume. So a seeder carries them: a container of the same image,
 * created but never started, with the volume mounted; the service mounts it read-only and is
 * replaced when the files change. Secret files go the same way into a second volume, mounted
 * only in the service (read-only) and in the seeder, which never runs.
 */
export function seederArgs(args: {
  stackName: string;
  component: string;
  instance: string;
  image: ContainerArgs['image'];
  mounts: NonNullable<ContainerArgs['mounts']>;
  uploads: ContainerArgs['uploads'];
  ulimits: ContainerArgs['ulimits'];
}): ContainerArgs {
  return {
    name: `${dockerContainerName(args.stackName, args.instance)}-config`,
    image: args.image,
    start: false,
    mustRun: false,
    restart: 'no',
    mounts: args.mounts,
    uploads: args.uploads,
    ulimits: args.ulimits,
    labels: [
      { label: CONTAINER_LABELS.stack, value: args.stackName },
      { label: CONTAINER_LABELS.component, value: `${args.component}-config` },
    ],
  };
}
