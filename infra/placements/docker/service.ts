// One component on Docker: its containers (one per instance), data volumes, config uploads.
import { Container, type ContainerArgs } from '@pulumi/docker/container.js';
import type { Network } from '@pulumi/docker/network.js';
import { Volume } from '@pulumi/docker/volume.js';
import * as pulumi from '@pulumi/pulumi';
import { CONFIG_DIR, SECRETS_DIR, type NetworkName } from '../../topology/names.js';
import { isSecretText, type Component, type ConfigFile, type Secrets } from '../../topology/types.js';
import { resolveInput } from '../secrets.js';
import { dockerContainerName } from '../types.js';
import { configSignal, configSync } from './config-reload.js';
import { containerRuntime, fileLayout, fileOwner, instanceLabels, SECRET_FILE_MODE, seederArgs, stackLabel } from './container-spec.js';
import { CREATE_BEFORE_DELETE, generationName, RUNTIME_LABEL, shortDigest } from './generations.js';
import { requireExitZero } from './one-shots.js';

export interface DockerServiceArgs {
  component: Component;
  instances: string[];
  prefix: string;
  stackName: string;
  image: pulumi.Input<string>;
  networks: Record<NetworkName, Network>;
  secrets: pulumi.Output<Secrets>;
  /** Others wait for this one to be healthy: Pulumi waits for the health check at creation. */
  waitHealthy: boolean;
  /** Containers whose replacement must replace these too (addresses resolved once at start). */
  peers: Container[];
  /** The container whose pid namespace this one joins (Component.pidNamespaceOf). */
  pidContainer?: Container;
  /** One-shot containers this one starts after: it is not started unless they exited 0. */
  after: { name: string; container: Container }[];
  /** Volumes of other components this one mounts (VolumeMount.owner), by logical name. */
  sharedVolumes: Map<string, Volume>;
}

export { SECRET_FILE_MODE } from './container-spec.js';

/**
 * Where each secret may go on Docker: into files under SECRETS_DIR, nowhere else. A container's
 * environment and command line are visible through the Docker API (`docker inspect`) and to
 * every process in the container; a file of its own volume, mode 0400, to its owner alone.
 */
export function checkSecretPlacement(c: Component): void {
  const misplaced = [
    ...Object.entries(c.env).filter(([, v]) => isSecretText(v)).map(([k]) => `environment variable ${k}`),
    ...(c.command ?? []).filter(isSecretText).map(() => 'command argument'),
    ...(c.entrypoint ?? []).filter((a) => typeof a !== 'string').map(() => 'entrypoint argument'),
  ];
  if (misplaced.length > 0) throw new Error(`${c.name}: a secret in ${misplaced.join(', ')}; use a file in ${SECRETS_DIR}`);
  for (const f of c.files) {
    const inSecrets = f.path.startsWith(`${SECRETS_DIR}/`);
    if (!inSecrets && !f.path.startsWith(`${CONFIG_DIR}/`)) throw new Error(`${c.name}: config file ${f.path} is outside ${CONFIG_DIR} and ${SECRETS_DIR}`);
    if (inSecrets !== isSecretText(f.content)) {
      throw new Error(`${c.name}: ${f.path}: files with secrets go in ${SECRETS_DIR}, and only those`);
    }
  }
}

export class DockerService extends pulumi.ComponentResource {
  readonly containers: Container[];
  /** This component's own volumes (single-instance components), by logical name. */
  readonly volumes: Map<string, Volume>;
  /** 'exited-0' for each one-shot instance; the output fails when it did not exit 0. */
  readonly completed: pulumi.Output<string>[] = [];

  constructor(name: string, args: DockerServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super('shortstack:docker:Service', name, {}, opts);
    const c = args.component;
    checkSecretPlacement(c);
    const replicated = args.instances.length > 1 || c.name === 'app';
    // Plain strings only (checked above): no secret reaches the environment or the command line.
    const { envs, command, ulimits, cpus, healthcheck, tmpfs, runtimeDigest, ports } = containerRuntime(c);
    const { configFiles, secretFiles, plainDigest, secretLayout } = fileLayout(c);
    const upload = (f: ConfigFile) => ({ file: f.path, content: resolveInput(f.content, args.secrets) });
    const uploads = [
      ...configFiles.map(upload),
      ...secretFiles.map((f) => ({ ...upload(f), permissions: SECRET_FILE_MODE, ...fileOwner(c.user) })),
    ];
    const peerIds = args.peers.length > 0 ? pulumi.all(args.peers.map((p) => p.id)).apply((ids) => ids.join(',')) : undefined;
    const gates = args.after.map(({ name, container }) => pulumi.all([container.exitCode, container.name, container.urn])
      .apply(([code, containerName, urn]) => requireExitZero(name, containerName, c.name, urn)(code)));
    // A digest of the config files: changing one replaces the containers that read it.
    const configDigest = pulumi.all(uploads.map((u) => u.content)).apply((contents) =>
      shortDigest(uploads.map((u, i) => [u.file, contents[i]])));
    this.volumes = new Map();

    this.containers = args.instances.map((instance) => {
      const volumeName = (v: string) => `${args.prefix}-${replicated ? `${v}-${instance}` : v}`;
      const dataVolumes = c.volumes.map((v) => {
        if (v.owner !== undefined) {
          const shared = args.sharedVolumes.get(v.name);
          if (!shared) throw new Error(`${c.name} mounts ${v.owner}'s volume ${v.name}, which ${v.owner} does not have`);
          return { target: v.mountPath, volume: shared, readOnly: v.readOnly === true };
        }
        if (replicated && v.kind === 'scratch') throw new Error(`${c.name}: a shared volume needs a single instance`);
        const volume = new Volume(replicated ? `${v.name}-${instance}` : v.name, {
          name: volumeName(v.name),
          labels: stackLabel(args.stackName),
        }, {
          parent: this,
          // Data outlives `pulumi destroy` (npm run down): the volume leaves the state but stays
          // on the engine, and the next `up` creates the same name, which Docker hands back with
          // its data. `npm run down -- --delete-data` removes it. (protect would make every
          // destroy fail until `pulumi state unprotect`; a retained volume also survives a
          // replacement of its resource.)
          retainOnDelete: (v.kind ?? 'data') === 'data',
        });
        if (!replicated) this.volumes.set(v.name, volume);
        return { target: v.mountPath, volume, readOnly: v.readOnly === true };
      });
      const labels: ContainerArgs['labels'] = instanceLabels(args.stackName, c.name, instance);
      // Changing a label replaces the container: nginx restarts with every new set of replicas.
      if (peerIds) labels.push({ label: 'com.shortstack.peers', value: peerIds });
      for (const [i, gate] of gates.entries()) labels.push({ label: `com.shortstack.after.${args.after[i]!.name}`, value: gate });

      // Config and secret files each live in a small volume of their own, filled by a seeder
      // (see seederArgs): each secret file 0400, owned by the service's user.
      const volume = (suffix: string, digest: string) => new Volume(`${instance}-${suffix}`, {
        name: `${args.prefix}-${instance}-${suffix}-${digest}`,
        labels: stackLabel(args.stackName),
      }, { parent: this });
      const reload = c.reload && configFiles.length > 0 ? { ...c, reload: c.reload } : undefined;
      if (reload && (secretFiles.length > 0 || replicated)) throw new Error(`${c.name}: a config applied by signal needs a single instance without secret files`);
      // A component that reloads on a signal keeps one volume for life (see config-reload.ts).
      const configVolume = configFiles.length === 0 ? undefined
        : reload ? new Volume(`${instance}-config`, {
          name: `${args.prefix}-${instance}-config`,
          labels: stackLabel(args.stackName),
        }, { parent: this })
        : volume('config', plainDigest);
      const reloadArgs = reload && configVolume ? {
        component: reload,
        containerName: dockerContainerName(args.stackName, instance),
        image: args.image,
        stackName: args.stackName,
        uploads,
        volume: configVolume,
        networks: c.networks.map((n) => args.networks[n].name),
        configDigest,
        ulimits,
      } : undefined;
      const sync = reloadArgs ? configSync(instance, reloadArgs, this) : undefined;
      const secretsVolume = secretFiles.length > 0 ? volume('secrets', secretLayout) : undefined;
      const fileVolumes = [
        ...(configVolume ? [{ type: 'volume', source: configVolume.name, target: CONFIG_DIR }] : []),
        ...(secretsVolume ? [{ type: 'volume', source: secretsVolume.name, target: SECRETS_DIR }] : []),
      ];
      const seeder = fileVolumes.length > 0 && !sync
        ? new Container(`${instance}-config`, seederArgs({
          stackName: args.stackName, component: c.name, instance, image: args.image, mounts: fileVolumes, uploads, ulimits,
        }), { parent: this })
        : undefined;
      if (seeder) labels.push({ label: 'com.shortstack.config', value: configDigest });
      labels.push({ label: RUNTIME_LABEL, value: runtimeDigest });

      const containerArgs: ContainerArgs = {
        name: dockerContainerName(args.stackName, instance),
        image: args.image,
        hostname: instance,
        entrypoints: c.entrypoint,
        command,
        envs,
        user: c.user,
        readOnly: c.readOnlyRootFs,
        tmpfs,
        mounts: [
          ...dataVolumes.map((v) => ({ type: 'volume', source: v.volume.name, target: v.target, ...(v.readOnly ? { readOnly: true } : {}) })),
          ...fileVolumes.map((v) => ({ ...v, readOnly: true })),
          ...c.hostMounts.map((m) => ({ type: 'bind', source: m.hostPath, target: m.containerPath, readOnly: m.readOnly })),
        ],
        networksAdvanced: c.networks.map((n) => ({
          name: args.networks[n].name,
          // The instance's own name, and the component's name for the set of replicas.
          aliases: replicated ? [instance, c.name] : [instance],
        })),
        ports,
        ...(args.pidContainer ? { pidMode: pulumi.interpolate`container:${args.pidContainer.name}` } : {}),
        healthcheck,
        wait: args.waitHealthy && c.health !== undefined,
        waitTimeout: 180,
        // A one-shot runs to completion while Pulumi waits (attach), and never restarts.
        restart: c.oneShot ? 'no' : 'unless-stopped',
        mustRun: !c.oneShot,
        attach: c.oneShot,
        logs: c.oneShot,
        memory: c.resources.memoryMb,
        // No swap: Docker's default (twice the memory) would make a later memory increase above
        // it fail (the engine refuses a memory limit above the swap limit unless both change),
        // and the provider reads the default back as a diff on every `up`.
        memorySwap: c.resources.memoryMb,
        cpus,
        ulimits,
        capabilities: { drops: ['ALL'] },
        securityOpts: ['no-new-privileges:true'],
        labels,
        logDriver: 'json-file',
        logOpts: { 'max-size': '10m', 'max-file': '3' },
        // The component's stop grace (the app's: its shutdown deadline and then some, so a
        // graceful stop flushes its clicks): stopTimeout for `docker stop`, destroyGraceSeconds
        // when Pulumi replaces or removes it.
        stopTimeout: c.stopGraceS,
        destroyGraceSeconds: c.stopGraceS,
      };
      // Replicas are replaced create-before-delete, so clients never lose the last one: the new
      // container needs a name of its own while the old one drains. The name ends in a digest of
      // everything it runs with: what would replace it renames it, and an unchanged one keeps it.
      if (replicated) containerArgs.name = generationName(dockerContainerName(args.stackName, instance), containerArgs);
      const container = new Container(instance, containerArgs, {
        parent: this, dependsOn: seeder ? [seeder] : sync ? [sync] : [], ...(replicated ? CREATE_BEFORE_DELETE : {}),
      });
      if (reloadArgs && sync) {
        const signal = configSignal(instance, reloadArgs, sync, container, this);
        this.completed.push(pulumi.all([signal.exitCode, signal.name, signal.urn])
          .apply(([code, name, urn]) => requireExitZero(`${c.name}-reload`, name, undefined, urn)(code)));
      }
      // A one-shot nothing waits for (set-grafana-password) still fails the deployment.
      if (c.oneShot) {
        this.completed.push(pulumi.all([container.exitCode, container.name, container.urn])
          .apply(([code, containerName, urn]) => requireExitZero(c.name, containerName, undefined, urn)(code)));
      }
      return container;
    });
    this.registerOutputs({ completed: this.completed });
  }
}
