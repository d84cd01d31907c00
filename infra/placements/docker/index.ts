// The Docker placement: the whole topology on one Docker engine. Two networks, named volumes,
// pinned images, the app image built here, one container per instance.
import type { Container } from '@pulumi/docker/container.js';
import { Network } from '@pulumi/docker/network.js';
import type { Volume } from '@pulumi/docker/volume.js';
import * as pulumi from '@pulumi/pulumi';
import { pinsContent } from '../../topology/config-app-image.js';
import { StackConfigError, type StackConfig } from '../../topology/config.js';
import { CONTAINER_LABELS } from '../../topology/context.js';
import { GRAFANA_DASHBOARDS_DIR } from '../../topology/components/observability.js';
import type { ComponentName, NetworkName } from '../../topology/names.js';
import type { Component, Topology } from '../../topology/types.js';
import type { Placement, PlacementArgs, PlacementOutputs } from '../types.js';
import { ImageCatalog } from './images.js';
import { networkArgs } from './networks.js';
import { canonicalCpus } from './readback.js';
import { DockerService } from './service.js';

/** Components in an order where every dependency comes before its dependents. */
export function creationOrder(topology: Topology): Component[] {
  const done = new Set<ComponentName>();
  const order: Component[] = [];
  const visit = (c: Component, path: ComponentName[]) => {
    if (done.has(c.name)) return;
    if (path.includes(c.name)) throw new Error(`dependency cycle: ${[...path, c.name].join(' -> ')}`);
    for (const d of c.dependsOn) visit(topology.component(d.component), [...path, c.name]);
    done.add(c.name);
    order.push(c);
  };
  for (const c of topology.components) visit(c, []);
  return order;
}

/**
 * Stack config the Docker provider cannot hold steadily: a cpus value whose read-back form is a
 * different number (0.05 reads back as "0.1") would replace its container on every `up`.
 */
export function checkDockerConfig(config: StackConfig): void {
  const problems: Record<string, string> = {};
  for (const [name, r] of Object.entries(config.resources)) {
    try {
      canonicalCpus(r.cpus);
    } catch (e) {
      problems[`resources.${name}.cpus`] = `${r.cpus} cannot be kept by the Docker provider: ${(e as Error).message}. Use a value such as 0.1, 0.25 or 1.5`;
    }
  }
  if (Object.keys(problems).length > 0) throw new StackConfigError(problems);
}

export class DockerStack extends pulumi.ComponentResource {
  readonly services = new Map<ComponentName, DockerService>();
  readonly networks: Record<NetworkName, Network>;
  /** The image id the app's containers run (built here, or pulled by the configured appImage). */
  readonly appImageId: pulumi.Output<string>;

  constructor(name: string, args: PlacementArgs, opts?: pulumi.ComponentResourceOptions) {
    super('shortstack:docker:Stack', name, {}, opts);
    const { topology, prefix, stackName } = args;
    checkDockerConfig(args.config);
    const label = [{ label: CONTAINER_LABELS.stack, value: stackName }];
    // Every argument of a network replaces it (the provider's ForceNew), and only delete-before-
    // create can: the name stays, and the engine refuses a second network on the backend's subnet.
    // Pulumi then deletes first the containers that name the network (its `name` output) and
    // creates them again after it; no volume depends on a network (README, "Changing a network").
    // The bridge asks for it on its own for a resource with an explicit name: said here, so it
    // does not rest on that.
    this.networks = Object.fromEntries(topology.networks.map((n) => [n.name,
      new Network(n.name, networkArgs(n, prefix, label), { parent: this, deleteBeforeReplace: true })])) as Record<NetworkName, Network>;

    const images = new ImageCatalog(this);
    this.appImageId = images.ref(topology.component('app').image);
    const healthyNeeded = new Set(topology.components.flatMap((c) =>
      c.dependsOn.filter((d) => d.condition === 'healthy').map((d) => d.component)));

    for (const c of creationOrder(topology)) {
      const containersOf = (n: ComponentName): Container[] => {
        const s = this.services.get(n);
        if (!s) throw new Error(`${c.name} depends on ${n}, not yet created`);
        return s.containers;
      };
      const sharedVolumes = new Map<string, Volume>();
      for (const v of c.volumes.filter((x) => x.owner !== undefined)) {
        const owner = this.services.get(v.owner!);
        if (!owner) throw new Error(`${c.name} mounts a volume of ${v.owner}, not yet created (add a dependency on it)`);
        const volume = owner.volumes.get(v.name);
        if (volume) sharedVolumes.set(v.name, volume);
      }
      this.services.set(c.name, new DockerService(c.name, {
        component: c,
        instances: topology.instances(c.name),
        prefix,
        stackName,
        image: images.ref(c.image),
        networks: this.networks,
        secrets: args.secrets.values,
        waitHealthy: healthyNeeded.has(c.name),
        // A container in another's pid namespace goes with it: a new one has a new namespace.
        peers: [...(c.resolvesOnceAtStart ?? []), ...(c.pidNamespaceOf ? [c.pidNamespaceOf] : [])].flatMap(containersOf),
        ...(c.pidNamespaceOf ? { pidContainer: containersOf(c.pidNamespaceOf)[0]! } : {}),
        after: c.dependsOn.filter((d) => d.condition === 'completed')
          .flatMap((d) => containersOf(d.component).map((container, i) => ({ name: topology.instances(d.component)[i]!, container }))),
        sharedVolumes,
      }, { parent: this, dependsOn: c.dependsOn.flatMap((d) => containersOf(d.component)) }));
    }
    this.registerOutputs({});
  }
}

/** Grafana's URL for each provisioned dashboard, read from the uploaded dashboard files. */
export function dashboardUrls(topology: Topology, grafanaUrl: string): Record<string, string> {
  const urls: Record<string, string> = {};
  for (const f of topology.component('grafana').files) {
    if (!f.path.startsWith(`${GRAFANA_DASHBOARDS_DIR}/`) || typeof f.content !== 'string') continue;
    const d = JSON.parse(f.content) as { uid?: string; title?: string };
    if (d.uid) urls[d.title ?? d.uid] = `${grafanaUrl}/d/${d.uid}`;
  }
  return urls;
}

export const dockerPlacement: Placement = (args): PlacementOutputs => {
  const stack = new DockerStack(args.prefix, args);
  const { config } = args;
  const grafanaUrl = `http://127.0.0.1:${config.localPorts.grafana}`;
  return {
    frontDoorUrl: config.publicBaseUrl,
    grafanaUrl,
    dashboardUrls: dashboardUrls(args.topology, grafanaUrl),
    prometheusUrl: `http://127.0.0.1:${config.localPorts.prometheus}`,
    alertmanagerUrl: `http://127.0.0.1:${config.localPorts.alertmanager}`,
    // A configured id or digest is what runs; otherwise (a build, a tag) the image id it resolved to.
    appImage: config.appImage !== undefined && pinsContent(config.appImage) ? config.appImage : stack.appImageId,
  };
};
