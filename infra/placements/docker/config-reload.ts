// Config applied by a signal instead of a replacement (Component.reload), on Docker.
//
// A component that re-reads its files on a signal (nginx on SIGHUP) keeps its container across a
// config change: its files live in a volume of a stable name, mounted read-only. A new set of
// files arrives in a one-shot "config" container (uploads need a writable root, which the
// service never has) that checks them with the component's own binary, at the paths the service
// reads them from and on its networks, and only then moves them into the volume one by one. A
// second one-shot joins the service's pid namespace and signals its main process (pid 1 there):
// Docker has no "send a signal" resource, and `docker kill -s` is not something a Pulumi program
// can run. Both are named by a digest of their inputs, so a change creates new ones before the
// old go (CREATE_BEFORE_DELETE: the provider's own choice is the other way round).
import { Container, type ContainerArgs } from '@pulumi/docker/container.js';
import type { Volume } from '@pulumi/docker/volume.js';
import * as pulumi from '@pulumi/pulumi';
import { CONTAINER_LABELS } from '../../topology/context.js';
import { CONFIG_DIR } from '../../topology/names.js';
import type { Component, ConfigReload } from '../../topology/types.js';
import { CREATE_BEFORE_DELETE, generationName, RUNTIME_LABEL, shortDigest } from './generations.js';
import { requireExitZero } from './one-shots.js';

/** Where the config container mounts the service's config volume. */
export const LIVE_DIR = '/live';

const quote = (arg: string) => `'${arg.replaceAll("'", `'\\''`)}'`;

/**
 * The config container's script: check the files where the service will read them, then put each
 * in the volume under a temporary name and rename it over the old one (a reload or a restart
 * never reads a half-written file), then remove files the new set no longer has.
 */
export function configSyncScript(check: readonly string[]): string {
  return [
    'set -eu',
    check.map(quote).join(' '),
    `cd ${CONFIG_DIR}`,
    'find . -type f | while read -r f; do',
    `  mkdir -p "${LIVE_DIR}/$(dirname "$f")"`,
    `  cp "$f" "${LIVE_DIR}/$f.next" && mv "${LIVE_DIR}/$f.next" "${LIVE_DIR}/$f"`,
    'done',
    `cd ${LIVE_DIR}`,
    `find . -type f | while read -r f; do [ -e "${CONFIG_DIR}/$f" ] || rm "$f"; done`,
    `echo "config applied: $(find ${CONFIG_DIR} -type f | wc -l) files"`,
  ].join('\n');
}

export interface ConfigReloadArgs {
  component: Component & { reload: ConfigReload };
  /** The service container's name (the config and signal containers are named after it). */
  containerName: string;
  image: pulumi.Input<string>;
  stackName: string;
  uploads: ContainerArgs['uploads'];
  /** Stable name: the service mounts it read-only at CONFIG_DIR for its whole life. */
  volume: Volume;
  /** The service's networks, so the check resolves names as the service does. */
  networks: pulumi.Input<string>[];
  /** Digest of the files: a new set signals the service again. */
  configDigest: pulumi.Input<string>;
  /** The service's process limit (the same image, the same uid). */
  ulimits: ContainerArgs['ulimits'];
}

const labels = (stackName: string, component: string, tmpfs?: Record<string, string>) => [
  { label: CONTAINER_LABELS.stack, value: stackName },
  { label: CONTAINER_LABELS.component, value: component },
  { label: RUNTIME_LABEL, value: shortDigest({ healthcheck: undefined, tmpfs }) },
];

const SYNC_TMPFS = { '/tmp': 'rw,nosuid,nodev,size=16m,mode=1777' };
const ONE_SHOT = { restart: 'no', mustRun: false, attach: true, logs: true } as const;

/** The one-shot that checks a new set of files and moves it into the service's volume. */
export function configSync(instance: string, args: ConfigReloadArgs, parent: pulumi.Resource): Container {
  const c = args.component;
  const syncArgs: ContainerArgs = {
    image: args.image,
    entrypoints: ['/bin/sh', '-c', configSyncScript(c.reload.check)],
    // Root, so it can write the volume Docker creates root-owned; with no capability but CHOWN,
    // which `nginx -t` run as root needs for its temp folders. It never serves.
    user: '0:0',
    uploads: args.uploads,
    mounts: [{ type: 'volume', source: args.volume.name, target: LIVE_DIR }],
    tmpfs: SYNC_TMPFS,
    ulimits: args.ulimits,
    networksAdvanced: args.networks.map((name) => ({ name })),
    // Named as the engine stores it (CAP_ prefix), so the state reads back as sent.
    capabilities: { drops: ['ALL'], adds: ['CAP_CHOWN'] },
    securityOpts: ['no-new-privileges:true'],
    labels: [...labels(args.stackName, `${c.name}-config`, SYNC_TMPFS), { label: 'com.shortstack.config', value: args.configDigest }],
    ...ONE_SHOT,
  };
  syncArgs.name = generationName(`${args.containerName}-config`, syncArgs);
  return new Container(`${instance}-config`, syncArgs, { parent, ...CREATE_BEFORE_DELETE });
}

/** The one-shot that signals the service's main process once the new files are in place. */
export function configSignal(instance: string, args: ConfigReloadArgs, sync: Container, service: Container, parent: pulumi.Resource): Container {
  const c = args.component;
  const gate = pulumi.all([sync.exitCode, sync.name, sync.urn])
    .apply(([code, name, urn]) => requireExitZero(`${c.name}-config`, name, `${c.name}'s reload`, urn)(code));
  const signalArgs: ContainerArgs = {
    image: args.image,
    // The shell's own kill: images differ on whether a kill binary exists (Debian's is in procps).
    entrypoints: ['/bin/sh', '-c', `kill -s ${c.reload.signal} 1`],
    // The service's own user: signalling a process of one's own uid needs no capability.
    user: c.user,
    readOnly: true,
    pidMode: pulumi.interpolate`container:${service.id}`,
    networkMode: 'none',
    ulimits: args.ulimits,
    capabilities: { drops: ['ALL'] },
    securityOpts: ['no-new-privileges:true'],
    labels: [
      ...labels(args.stackName, `${c.name}-reload`),
      { label: 'com.shortstack.config', value: args.configDigest },
      { label: `com.shortstack.after.${c.name}-config`, value: gate },
    ],
    ...ONE_SHOT,
  };
  signalArgs.name = generationName(`${args.containerName}-reload`, signalArgs);
  return new Container(`${instance}-reload`, signalArgs, { parent, dependsOn: [sync, service], ...CREATE_BEFORE_DELETE });
}
