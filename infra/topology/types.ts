// The topology as plain data: what runs, never where or how. Placements (Docker, AWS, loopback)
// read it and decide only addresses, start-up mechanics and storage.
import type { Resources } from './config.js';
import type { Edge } from './addressing.js';
import type { GeneratedSecret, OptionalSecret, SecretName } from './secret-table.js';
import type { ComponentName, NetworkName } from './names.js';
import type { Platform } from './platform.js';

/**
 * Secret values, resolved by the placement (Pulumi secrets, generated or from config): the
 * generated ones always there, the optional ones when configured (infra/topology/secret-table.ts).
 */
export type Secrets = Record<GeneratedSecret, string> & Partial<Record<OptionalSecret, string>>;
export type { SecretName };

/**
 * Text that embeds secrets: the placement resolves it when the values exist and keeps the result
 * secret (a Pulumi secret output on Docker/AWS). `uses` names what it reads, for audits and tests.
 */
export interface SecretText {
  kind: 'secret';
  uses: SecretName[];
  render: (s: Secrets) => string;
}
export type Text = string | SecretText;

export const secretText = (uses: SecretName[], render: (s: Secrets) => string): SecretText => ({ kind: 'secret', uses, render });
export const isSecretText = (t: Text): t is SecretText => typeof t !== 'string';
export const resolveText = (t: Text, s: Secrets): string => (typeof t === 'string' ? t : t.render(s));

export interface ConfigFile {
  /** Absolute path inside the container. */
  path: string;
  content: Text;
}

export type ImageRef =
  | { kind: 'pinned'; ref: string }
  /** Built from the repository (paths from the repo root), with its build arguments. */
  | { kind: 'build'; name: string; dockerfile: string; context: string; args?: Record<string, string> };

export interface HealthCheck {
  /** Exec form, run inside the container. */
  test: string[];
  intervalS: number;
  timeoutS: number;
  retries: number;
  startPeriodS: number;
}

export type DependencyCondition = 'started' | 'healthy' | 'completed';
export interface Dependency {
  component: ComponentName;
  condition: DependencyCondition;
}

export interface VolumeMount {
  /** Logical volume name, unique in the stack (the placement prefixes it). */
  name: string;
  mountPath: string;
  /**
   * data (the default): the component's state, kept when the stack is taken down (only an
   * explicit request deletes it); scratch: working files shared between containers (a
   * socket), removed with the stack.
   */
  kind?: 'data' | 'scratch';
  /** The volume belongs to this other component (created with it): this one only mounts it. */
  owner?: ComponentName;
  /** Mounted read-only (a watcher of another component's volume). */
  readOnly?: boolean;
}

export interface HostMount {
  hostPath: string;
  containerPath: string;
  readOnly: boolean;
}

export type Exposure = 'public' | 'loopback';
export interface Publish {
  port: string;
  hostPort: number;
  /** public: every host interface; loopback: 127.0.0.1 only. */
  on: Exposure;
}

export interface Component {
  name: ComponentName;
  image: ImageRef;
  /** Named container ports. */
  ports: Record<string, number>;
  replicas: number;
  /** Runs to completion once (migrations) instead of serving. */
  oneShot: boolean;
  entrypoint?: string[];
  command?: Text[];
  env: Record<string, Text>;
  files: ConfigFile[];
  health?: HealthCheck;
  dependsOn: Dependency[];
  /**
   * Components whose addresses this one resolves once, at start (nginx and its upstreams): a
   * placement where a replaced instance gets a new address must restart this one with it.
   */
  resolvesOnceAtStart?: ComponentName[];
  /**
   * Runs in this component's pid namespace (Docker `pidMode: container:...`), to signal its
   * processes (the certificate manager reloads nginx, pid 1 there); replaced with it.
   */
  pidNamespaceOf?: ComponentName;
  /** Stateful data only. */
  volumes: VolumeMount[];
  /** Writable scratch paths for a read-only root file system. */
  tmpfs: string[];
  hostMounts: HostMount[];
  networks: NetworkName[];
  resources: Resources;
  /**
   * Seconds between the stop signal and a kill: the process's own graceful stop (the app's
   * shutdown deadline, its clicks flushed) must fit inside it.
   */
  stopGraceS: number;
  /**
   * The process re-reads its config files on a signal to its main process: a placement may
   * apply a new set of files that way, once `check` passes on them, instead of replacing it.
   */
  reload?: ConfigReload;
  /** uid:gid, when the image allows a non-root user. */
  user?: string;
  readOnlyRootFs: boolean;
  publish: Publish[];
}

export interface ConfigReload {
  /** A command of the component's image that exits non-zero on a bad set of files (run at their paths). */
  check: string[];
  signal: 'HUP';
}

export interface NetworkSpec {
  name: NetworkName;
  subnet?: string;
  /** No route out of the network at all (Docker `internal`); published ports need a non-internal one. */
  internal: boolean;
  /**
   * Members may open connections to the internet (source NAT). A non-internal network without it
   * still publishes ports, but its members have no way out.
   */
  outbound: boolean;
  /**
   * The host holds an address on the network. Without one its members reach each other and
   * nothing else: not the host's ports, nor, routed by the host, any other network or the
   * internet, whatever the host's firewall does (an engine without iptables rules sets none).
   * Publishing a port or a way out needs it.
   */
  hostAddress: boolean;
}

export interface Topology {
  components: Component[];
  networks: NetworkSpec[];
  /** Every connection one component opens to another (from what each builder asked the addressing). */
  edges: Edge[];
  platform: Platform;
  /** Names of every instance of a component (app-1..app-N, or the component itself). */
  instances(component: ComponentName): string[];
  component(name: ComponentName): Component;
}
