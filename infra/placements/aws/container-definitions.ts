// A task's container definitions, rendered from its components as plain data. Typed against the
// ECS API's own ContainerDefinition, so a misspelt key fails the type check, not a deploy.
import type { ContainerDefinition, MountPoint, Volume } from '@aws-sdk/client-ecs';
import { CONFIG_DIR, SECRETS_DIR } from '../../topology/names.js';
import type { Component, HealthCheck } from '../../topology/types.js';
import { initOut, initScript, secretEnvName, type TaskFiles, type WritableVolume } from './config-files.js';
import { CONFIG_INIT, taskComponents, type TaskLayout } from './tasks.js';

export interface TaskRendering {
  layout: TaskLayout;
  files: TaskFiles;
  /** Image reference of each container (the app's by digest), and of the config-init container. */
  images: Record<string, string>;
  /** The component's secret: the ARN each secret file's `valueFrom` selects a key of. */
  secretArn?: string;
  /** The secret's current version: a rotation starts new tasks that read the new values. */
  secretVersion?: string;
  bucket: string;
  logGroup: string;
  region: string;
}

export const FARGATE_MAX_STOP_TIMEOUT_S = 120;

/** The config-init container's size: it copies a few files and exits. */
export const CONFIG_INIT_RESOURCES = { cpus: 0.125, memoryMb: 128 } as const;

const plain = (c: Component, what: string, v: unknown): string => {
  if (typeof v !== 'string') throw new Error(`${c.name}: ${what} embeds a secret; on ECS secrets reach a container as files only`);
  return v;
};

function healthCheck(h: HealthCheck): ContainerDefinition['healthCheck'] {
  return { command: h.test, interval: h.intervalS, timeout: h.timeoutS, retries: h.retries, startPeriod: h.startPeriodS };
}

/** A task needs its config-init container when it has files to write or volumes to hand over. */
export const needsInit = (layout: TaskLayout): boolean =>
  taskComponents(layout).some((c) => c.files.length > 0 || mountsOf(c).some((m) => !m.readOnly));

/** The task's volumes: each container's config and secret folders, its data and scratch paths. */
export function taskVolumes(layout: TaskLayout): Volume[] {
  return [...new Set(taskComponents(layout).flatMap((c) => mountsOf(c).map((m) => m.sourceVolume!)).concat(`${CONFIG_INIT}-tmp`))]
    .sort().map((name) => ({ name }));
}

function mountsOf(c: Component): MountPoint[] {
  const files = c.files.length > 0;
  return [
    ...(files ? [
      { sourceVolume: `${c.name}-config`, containerPath: CONFIG_DIR, readOnly: true },
      { sourceVolume: `${c.name}-secrets`, containerPath: SECRETS_DIR, readOnly: true },
    ] : []),
    // Fargate has no tmpfs: a scratch path is a task volume of its own (the task's ephemeral disk).
    ...c.tmpfs.map((path, i) => ({ sourceVolume: `${c.name}-tmp-${i}`, containerPath: path, readOnly: false })),
    // State lives with the task: RDS and ElastiCache hold what must survive (see the README).
    ...c.volumes.map((v) => ({ sourceVolume: v.name, containerPath: v.mountPath, readOnly: false })),
  ];
}

function logging(r: TaskRendering, container: string): ContainerDefinition['logConfiguration'] {
  return {
    logDriver: 'awslogs',
    options: { 'awslogs-group': r.logGroup, 'awslogs-region': r.region, 'awslogs-stream-prefix': container, mode: 'non-blocking' },
  };
}

function container(r: TaskRendering, c: Component, essential: boolean, after: string[]): ContainerDefinition {
  return {
    name: c.name,
    image: r.images[c.name],
    essential,
    ...(c.entrypoint ? { entryPoint: c.entrypoint } : {}),
    ...(c.command ? { command: c.command.map((a) => plain(c, 'an argument', a)) } : {}),
    environment: Object.entries(c.env).sort(([a], [b]) => a.localeCompare(b)).map(([name, v]) => ({ name, value: plain(c, name, v) })),
    portMappings: Object.entries(c.ports).map(([name, port]) => ({ name, containerPort: port, protocol: 'tcp' })),
    ...(c.health && !c.oneShot ? { healthCheck: healthCheck(c.health) } : {}),
    dependsOn: after.map((containerName) => ({ containerName, condition: 'SUCCESS' })),
    mountPoints: mountsOf(c),
    readonlyRootFilesystem: c.readOnlyRootFs,
    ...(c.user ? { user: c.user } : {}),
    cpu: Math.round(c.resources.cpus * 1024),
    memory: c.resources.memoryMb,
    ulimits: [{ name: 'nproc', softLimit: c.resources.pids, hardLimit: c.resources.pids }],
    // SIGTERM, then this long to stop gracefully (Fargate allows at most 120 s).
    stopTimeout: Math.min(FARGATE_MAX_STOP_TIMEOUT_S, c.stopGraceS),
    // An init process reaps zombies and lets ECS Exec attach (the runbook's way in).
    linuxParameters: { initProcessEnabled: true },
    logConfiguration: logging(r, c.name),
  };
}

/** Volumes a container writes: ECS makes them root's (0755), so the init hands them over. */
function writableVolumes(layout: TaskLayout): Array<WritableVolume & { volume: string }> {
  const seen = new Set<string>();
  return taskComponents(layout).flatMap((c) => mountsOf(c).filter((m) => !m.readOnly).map((m) => ({
    volume: m.sourceVolume!, at: `/prep/${m.sourceVolume}`, owner: c.user ?? '0:0',
    mode: c.tmpfs.includes(m.containerPath!) ? '1777' as const : '0700' as const,
  }))).filter((w) => !seen.has(w.volume) && seen.add(w.volume));
}

function configInit(r: TaskRendering): ContainerDefinition {
  const names = taskComponents(r.layout).filter((c) => c.files.length > 0).map((c) => c.name);
  const writable = writableVolumes(r.layout);
  if (r.files.secret.length > 0 && !r.secretArn) throw new Error(`${r.layout.service.name}: secret files but no secret`);
  return {
    name: CONFIG_INIT,
    image: r.images[CONFIG_INIT],
    essential: false,
    entryPoint: ['/bin/sh', '-c'],
    command: [initScript(r.files, names, writable)],
    environment: [
      { name: 'CONFIG_BUCKET', value: r.bucket },
      { name: 'CONFIG_PREFIX', value: r.files.prefix },
      { name: 'HOME', value: '/tmp' },
      ...(r.secretVersion ? [{ name: 'SECRET_VERSION', value: r.secretVersion }] : []),
    ],
    // Each value straight from the component's secret, by its JSON key: never in this JSON.
    secrets: r.files.secret.map((s) => ({ name: secretEnvName(s), valueFrom: `${r.secretArn}:${s.key}::` })),
    mountPoints: [
      ...names.flatMap((n) => [
        { sourceVolume: `${n}-config`, containerPath: initOut(n, 'config'), readOnly: false },
        { sourceVolume: `${n}-secrets`, containerPath: initOut(n, 'secrets'), readOnly: false },
      ]),
      ...writable.map((w) => ({ sourceVolume: w.volume, containerPath: w.at, readOnly: false })),
      { sourceVolume: `${CONFIG_INIT}-tmp`, containerPath: '/tmp', readOnly: false },
    ],
    readonlyRootFilesystem: true,
    // Root: it hands each secret file to its reader's uid (chown).
    user: '0:0',
    cpu: Math.round(CONFIG_INIT_RESOURCES.cpus * 1024),
    memory: CONFIG_INIT_RESOURCES.memoryMb,
    logConfiguration: logging(r, CONFIG_INIT),
  };
}

/** The task's containers: config-init (files to write or volumes to prepare), the one-shots, then the service. */
export function containerDefinitions(r: TaskRendering): ContainerDefinition[] {
  const hasFiles = needsInit(r.layout);
  const first = hasFiles ? [CONFIG_INIT] : [];
  const inits = r.layout.inits.map((c, i) => container(r, c, false, [...first, ...r.layout.inits.slice(0, i).map((x) => x.name)]));
  const service = container(r, r.layout.service, true, [...first, ...r.layout.inits.map((x) => x.name)]);
  return [...(hasFiles ? [configInit(r)] : []), ...inits, service];
}

/** CPU and memory of every container together: what the task must be sized for. */
export function taskNeeds(defs: ContainerDefinition[]): { cpus: number; memoryMb: number } {
  return {
    cpus: defs.reduce((n, d) => n + (d.cpu ?? 0), 0) / 1024,
    memoryMb: defs.reduce((n, d) => n + (d.memory ?? 0), 0),
  };
}
