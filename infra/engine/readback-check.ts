// The engine's record of a container, read the way the provider reads it back, against
// readback.ts's model of the graph's arguments: every difference is what a second `up` would
// try to change (and, for most fields, replace the container over).
import { nanoInt64ToDecimalString, readBack, type ContainerSpec } from '../placements/docker/readback.js';
import type { DockerClient } from './docker.js';

const MiB = 1024 * 1024;

export interface Inspected {
  Id: string;
  Name: string;
  RestartCount: number;
  State: { StartedAt: string; Running: boolean };
  Config: { User: string; Labels: Record<string, string> };
  HostConfig: {
    ReadonlyRootfs: boolean; CapAdd: string[] | null; CapDrop: string[] | null; SecurityOpt: string[] | null;
    Memory: number; MemorySwap: number; NanoCpus: number; PidMode: string; NetworkMode: string;
    Tmpfs: Record<string, string> | null; Ulimits: Array<{ Name: string; Soft: number; Hard: number }> | null;
    RestartPolicy: { Name: string };
    PortBindings: Record<string, Array<{ HostIp: string; HostPort: string }> | null> | null;
    /** The mounts asked for at create; `.Mounts` also lists the image's anonymous VOLUMEs. */
    Mounts: Array<{ Type: string; Source: string; Target: string; ReadOnly?: boolean }> | null;
  };
  Mounts: Array<{ Type: string; Name?: string; Source: string; Destination: string; RW: boolean }>;
  NetworkSettings: {
    Networks: Record<string, { Aliases: string[] | null; IPAddress: string; Gateway: string }>;
    Ports: Record<string, Array<{ HostIp: string; HostPort: string }> | null> | null;
  };
}

/**
 * Differences between the engine's record of `sent` (a container of the graph, secrets removed)
 * and the provider's model of it, one line each; none means a second `up` leaves it alone.
 * `binds` maps host paths the engine holds back to the graph's (a moved socket).
 */
export async function readBackProblems(docker: DockerClient, sent: ContainerSpec & Record<string, any>, label: string, binds: Record<string, string> = {}): Promise<string[]> {
  const problems: string[] = [];
  const model = readBack(sent);
  const got = await docker.inspect<Inspected>('container', sent.name);
  if (!got) return [`${label}: no container ${sent.name} on the engine`];
  const h = got.HostConfig;
  const same = (what: string, engineValue: unknown, expected: unknown) => {
    if (JSON.stringify(engineValue) !== JSON.stringify(expected)) problems.push(`${label} ${what}: engine ${JSON.stringify(engineValue)}, model ${JSON.stringify(expected)}`);
  };
  // The provider suppresses a diff when `user` is unset (the image's default user reads back).
  if (sent.user !== undefined) same('user', got.Config.User, sent.user);
  same('read-only root', h.ReadonlyRootfs, sent.readOnly === true);
  same('capabilities', { adds: h.CapAdd ?? [], drops: h.CapDrop ?? [] }, model.capabilities ?? { adds: [], drops: [] });
  same('security options', h.SecurityOpt ?? [], sent.securityOpts ?? []);
  same('memory', h.Memory / MiB, model.memory);
  same('memory swap', h.MemorySwap > 0 ? h.MemorySwap / MiB : h.MemorySwap, model.memorySwap);
  if (sent.cpus !== undefined) same('cpus', nanoInt64ToDecimalString(BigInt(h.NanoCpus)), model.cpus);
  same('process limit', (h.Ulimits ?? []).map((u) => `${u.Name}=${u.Soft}:${u.Hard}`),
    (sent.ulimits ?? []).map((u: { name: string; soft: number; hard: number }) => `${u.name}=${u.soft}:${u.hard}`));
  same('tmpfs', h.Tmpfs ?? {}, sent.tmpfs ?? {});
  same('restart', h.RestartPolicy.Name, model.restart);
  same('pid namespace', h.PidMode.startsWith('container:'), (sent.pidMode ?? '').startsWith('container:'));
  // The provider reads HostConfig.Mounts (getDockerContainerMounts), not the container's runtime
  // mounts, which add an anonymous volume for each VOLUME of the image (PostgreSQL's, Redis's).
  same('mounts', (h.Mounts ?? []).map((m) => `${m.Type}:${binds[m.Source] ?? m.Source}:${m.Target}:${m.ReadOnly ? 'ro' : 'rw'}`).sort(),
    (model.mounts ?? []).map((m) => `${m.type}:${m.source}:${m.target}:${m.readOnly ? 'ro' : 'rw'}`).sort());
  for (const l of sent.labels ?? []) same(`label ${l.label}`, got.Config.Labels[l.label], l.value);
  for (const n of sent.networksAdvanced ?? []) {
    const joined = got.NetworkSettings.Networks[n.name];
    same(`network ${n.name}`, joined !== undefined && (n.aliases ?? []).every((a: string) => (joined.Aliases ?? []).includes(a)), true);
  }
  return problems;
}
