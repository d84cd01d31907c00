// One component on Docker: its containers (one per instance), data volumes, config uploads.
import { createHash } from 'node:crypto';
import { Container, type ContainerArgs } from '@pulumi/docker/container.js';
import type { Network } from '@pulumi/docker/network.js';
import { Volume } from '@pulumi/docker/volume.js';
import * as pulumi from '@pulumi/pulumi';
import { CONTAINER_LABELS } from '../../topology/context.js';
import { CONFIG_DIR, type NetworkName } from '../../topology/names.js';
import type { Component, Secrets, Text } from '../../topology/types.js';
import { resolveInput } from '../secrets.js';
import { dockerContainerName } from '../types.js';

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
  /** One-shot containers this one starts after: it is not started unless they exited 0. */
  after: { name: string; container: Container }[];
}

const seconds = (n: number) => `${n}s`;

/**
 * The provider reports a one-shot's exit code but never fails on it: a failed migration must
 * stop the deployment (this throws inside the dependent's inputs), not start the app against an
 * old schema.
 */
export function requireExitZero(oneShot: string, dependent: string): (code: number) => string {
  return (code) => {
    if (code !== 0) throw new Error(`${oneShot} exited with code ${code}: ${dependent} is not started (docker logs ${oneShot})`);
    return 'exited-0';
  };
}

function resolveAll(texts: Text[], secrets: pulumi.Output<Secrets>): pulumi.Output<string[]> {
  return pulumi.all(texts.map((t) => resolveInput(t, secrets)));
}

export class DockerService extends pulumi.ComponentResource {
  readonly containers: Container[];

  constructor(name: string, args: DockerServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super('shortstack:docker:Service', name, {}, opts);
    const c = args.component;
    for (const f of c.files) {
      if (!f.path.startsWith(`${CONFIG_DIR}/`)) throw new Error(`${c.name}: config file ${f.path} is outside ${CONFIG_DIR}`);
    }
    const replicated = args.instances.length > 1 || c.name === 'app';
    const envs = pulumi.all(Object.entries(c.env).map(([k, v]) => pulumi.output(resolveInput(v, args.secrets)).apply((x) => `${k}=${x}`)));
    const command = c.command ? resolveAll(c.command, args.secrets) : undefined;
    const uploads = c.files.map((f) => ({ file: f.path, content: resolveInput(f.content, args.secrets) }));
    const peerIds = args.peers.length > 0 ? pulumi.all(args.peers.map((p) => p.id)).apply((ids) => ids.join(',')) : undefined;
    const gates = args.after.map(({ name, container }) => container.exitCode.apply(requireExitZero(name, c.name)));
    // A digest of the config files: changing one replaces the containers that read it.
    const configDigest = pulumi.all(uploads.map((u) => u.content)).apply((contents) =>
      createHash('sha256').update(JSON.stringify(uploads.map((u, i) => [u.file, contents[i]]))).digest('hex').slice(0, 16));

    this.containers = args.instances.map((instance) => {
      const volumeName = (v: string) => `${args.prefix}-${replicated ? `${v}-${instance}` : v}`;
      const dataVolumes = c.volumes.map((v) => ({
        target: v.mountPath,
        volume: new Volume(replicated ? `${v.name}-${instance}` : v.name, {
          name: volumeName(v.name),
          labels: [{ label: CONTAINER_LABELS.stack, value: args.stackName }],
        }, { parent: this }),
      }));
      const labels: ContainerArgs['labels'] = [
        { label: CONTAINER_LABELS.stack, value: args.stackName },
        { label: CONTAINER_LABELS.component, value: c.name },
        { label: CONTAINER_LABELS.instance, value: instance },
      ];
      // Changing a label replaces the container: nginx restarts with every new set of replicas.
      if (peerIds) labels.push({ label: 'com.shortstack.peers', value: peerIds });
      for (const [i, gate] of gates.entries()) labels.push({ label: `com.shortstack.after.${args.after[i]!.name}`, value: gate });

      // Config files live in a small volume of their own. The provider copies uploads into a
      // container by extracting at "/", which Docker refuses on a read-only root file system
      // even when every file lands in a volume. So a seeder carries them: a container of the
      // same image, created but never started, with the volume mounted; the service mounts it
      // read-only and is replaced when the files change.
      const configVolume = c.files.length > 0
        ? new Volume(`${instance}-config`, {
          name: `${args.prefix}-${instance}-config`,
          labels: [{ label: CONTAINER_LABELS.stack, value: args.stackName }],
        }, { parent: this })
        : undefined;
      const seeder = configVolume
        ? new Container(`${instance}-config`, {
          name: `${dockerContainerName(args.stackName, instance)}-config`,
          image: args.image,
          start: false,
          mustRun: false,
          restart: 'no',
          mounts: [{ type: 'volume', source: configVolume.name, target: CONFIG_DIR }],
          uploads,
          labels: [
            { label: CONTAINER_LABELS.stack, value: args.stackName },
            { label: CONTAINER_LABELS.component, value: `${c.name}-config` },
          ],
        }, { parent: this })
        : undefined;
      if (seeder) labels.push({ label: 'com.shortstack.config', value: configDigest });

      const containerArgs: ContainerArgs = {
        name: dockerContainerName(args.stackName, instance),
        image: args.image,
        hostname: instance,
        entrypoints: c.entrypoint,
        command,
        envs,
        user: c.user,
        readOnly: c.readOnlyRootFs,
        tmpfs: Object.fromEntries(c.tmpfs.map((p) => [p, 'rw,nosuid,nodev,size=64m,mode=1777'])),
        mounts: [
          ...dataVolumes.map((v) => ({ type: 'volume', source: v.volume.name, target: v.target })),
          ...(configVolume ? [{ type: 'volume', source: configVolume.name, target: CONFIG_DIR, readOnly: true }] : []),
          ...c.hostMounts.map((m) => ({ type: 'bind', source: m.hostPath, target: m.containerPath, readOnly: m.readOnly })),
        ],
        networksAdvanced: c.networks.map((n) => ({
          name: args.networks[n].name,
          // The instance's own name, and the component's name for the set of replicas.
          aliases: replicated ? [instance, c.name] : [instance],
        })),
        ports: c.publish.map((p) => {
          const internal = c.ports[p.port];
          if (internal === undefined) throw new Error(`${c.name} publishes unknown port ${p.port}`);
          return { internal, external: p.hostPort, ip: p.on === 'public' ? '0.0.0.0' : '127.0.0.1', protocol: 'tcp' };
        }),
        healthcheck: c.health
          ? {
            tests: c.health.test,
            interval: seconds(c.health.intervalS),
            timeout: seconds(c.health.timeoutS),
            retries: c.health.retries,
            startPeriod: seconds(c.health.startPeriodS),
          }
          // The app image's HEALTHCHECK probes a server the one-shot migration never starts.
          : c.oneShot ? { tests: ['NONE'] } : undefined,
        wait: args.waitHealthy && c.health !== undefined,
        waitTimeout: 180,
        // A one-shot runs to completion while Pulumi waits (attach), and never restarts.
        restart: c.oneShot ? 'no' : 'unless-stopped',
        mustRun: !c.oneShot,
        attach: c.oneShot,
        logs: c.oneShot,
        memory: c.resources.memoryMb,
        cpus: String(c.resources.cpus),
        capabilities: { drops: ['ALL'] },
        securityOpts: ['no-new-privileges:true'],
        labels,
        logDriver: 'json-file',
        logOpts: { 'max-size': '10m', 'max-file': '3' },
        // Longer than the app's SHUTDOWN_TIMEOUT_MS, so a graceful stop flushes its clicks:
        // stopTimeout for `docker stop`, destroyGraceSeconds when Pulumi replaces or removes it.
        stopTimeout: 15,
        destroyGraceSeconds: 15,
      };
      return new Container(instance, containerArgs, { parent: this, dependsOn: seeder ? [seeder] : [] });
    });
    this.registerOutputs({});
  }
}
