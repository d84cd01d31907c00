// A pure model of how @pulumi/docker 5.x stores a Container: the terraform provider it wraps
// (kreuzwerker/terraform-provider-docker v4.5.0, the `upstream` submodule of pulumi-docker
// v5.1.0+) ends every Create with a Read, so the state a second `up` diffs against is the
// engine's answer re-formatted by the provider, not what the program sent. A value whose
// read-back form differs from what we send is a diff on every `up`: a replacement when the
// field is ForceNew, otherwise a (often no-op) update.
//
// Sources (all at tag v4.5.0, internal/provider/):
// - resource_docker_container.go: the schema (ForceNew, Computed, defaults).
// - resource_docker_container_funcs.go: resourceDockerContainerCreate (what is sent),
//   resourceDockerContainerRead (what is stored), resourceDockerContainerUpdate (what an
//   in-place update applies: only restart, max_retry_count, cpu_shares, memory,
//   memory_reservation, cpu_set, memory_swap and the blkio limits).
// - resource_docker_container_structures.go: flattenContainerPorts, getDockerContainerMounts.
// - helpers.go: nanoInt64ToDecimalString.
// - docker/cli opts.ParseCPUs, Go's time.Duration.String and time.ParseDuration.
// Engine behaviour (moby) where it decides the read-back: memory swap defaults to twice the
// memory when unset, and `docker update` refuses a memory above the current swap limit.

const NANO = 1_000_000_000n;
const MIB = 1024n * 1024n;

/**
 * docker/cli opts.ParseCPUs: big.Rat.SetString(value) times 1e9, which must be an integer
 * ("value is too precise" otherwise). Decimal notation only (what we send).
 */
export function parseCpus(value: string): bigint {
  const m = /^(\d*)(?:\.(\d*))?$/.exec(value);
  if (!m || (m[1] === '' && (m[2] ?? '') === '')) throw new Error(`failed to parse ${value} as a rational number`);
  const frac = (m[2] ?? '').replace(/0+$/, '');
  if (frac.length > 9) throw new Error(`cpus ${value}: value is too precise`);
  return BigInt(m[1] || '0') * NANO + BigInt(frac.padEnd(9, '0') || '0');
}

/** helpers.go nanoInt64ToDecimalString: how the provider stores a container's NanoCPUs. */
export function nanoInt64ToDecimalString(nano: bigint): string {
  if (nano === 0n) return '0';
  const neg = nano < 0n;
  const abs = neg ? -nano : nano;
  const sign = neg ? '-' : '';
  // rat.FloatString(9): exact, nano is an integer number of 1e-9.
  const str = `${sign}${abs / NANO}.${(abs % NANO).toString().padStart(9, '0')}`;
  // "If we have a 'round' value ... return '1.0'": counts every "0" of the string, the integer
  // part's included, so 0.05 ("0.050000000") and 10 ("10.000000000") take the other branches.
  if ([...str].filter((ch) => ch === '0').length === 9) {
    // rat.FloatString(1): rounded to one decimal, halves away from zero.
    const step = NANO / 10n;
    let tenths = abs / step;
    if ((abs % step) * 2n >= step) tenths += 1n;
    return `${sign}${tenths / 10n}.${tenths % 10n}`;
  }
  return str.replace(/0+$/, '');
}

/** What the provider stores for a `cpus` we send (Create: ParseCPUs; Read: nanoInt64ToDecimalString). */
export const readBackCpus = (sent: string): string => nanoInt64ToDecimalString(parseCpus(sent));

/**
 * The form of `cpus` to send: the provider's own read-back of it, so a second `up` sees no diff
 * (`cpus` is ForceNew: a diff replaces the container). Throws when the value has no stable form
 * (0.05 reads back as "0.1", a different limit).
 */
export function canonicalCpus(cpus: number): string {
  const sent = String(cpus);
  const nano = parseCpus(sent);
  const stored = nanoInt64ToDecimalString(nano);
  if (parseCpus(stored) !== nano) {
    throw new Error(`cpus ${sent} reads back from the Docker provider as "${stored}" (nanoInt64ToDecimalString), a different limit; every up would replace the container`);
  }
  return stored;
}

const UNITS: Record<string, bigint> = { ns: 1n, us: 1000n, 'µs': 1000n, 'μs': 1000n, ms: 1_000_000n, s: NANO, m: 60n * NANO, h: 3600n * NANO };

/** Go's time.ParseDuration, for the forms a health check uses (e.g. "10s", "1m30s", "500ms"). */
export function parseGoDuration(s: string): bigint {
  if (s === '0') return 0n;
  const re = /(\d+)(?:\.(\d+))?(ns|us|µs|μs|ms|s|m|h)/gy;
  let total = 0n;
  let m: RegExpExecArray | null;
  let at = 0;
  while ((m = re.exec(s)) !== null) {
    const unit = UNITS[m[3]!]!;
    const frac = m[2] ?? '';
    total += BigInt(m[1]!) * unit + (frac ? (BigInt(frac) * unit) / 10n ** BigInt(frac.length) : 0n);
    at = re.lastIndex;
  }
  if (at !== s.length || s.length === 0) throw new Error(`time: invalid duration "${s}"`);
  return total;
}

/** Go's time.Duration.String: how the provider stores health check durations (60 s is "1m0s"). */
export function goDurationString(ns: bigint): string {
  if (ns === 0n) return '0s';
  const sign = ns < 0n ? '-' : '';
  let u = ns < 0n ? -ns : ns;
  const frac = (v: bigint, digits: number) => {
    const p = 10n ** BigInt(digits);
    const f = (v % p).toString().padStart(digits, '0').replace(/0+$/, '');
    return `${v / p}${f ? `.${f}` : ''}`;
  };
  if (u < NANO) {
    if (u < 1000n) return `${sign}${u}ns`;
    if (u < 1_000_000n) return `${sign}${frac(u, 3)}µs`;
    return `${sign}${frac(u, 6)}ms`;
  }
  let out = `${frac(u % (60n * NANO), 9)}s`;
  u /= 60n * NANO;
  if (u > 0n) {
    out = `${u % 60n}m${out}`;
    u /= 60n;
    if (u > 0n) out = `${u}h${out}`;
  }
  return `${sign}${out}`;
}

/** The form of a duration to send: the one Duration.String gives back. */
export const canonicalSeconds = (seconds: number): string => goDurationString(BigInt(Math.round(seconds * 1000)) * 1_000_000n);

// ---- The container's fields, as the program sends them and the provider stores them ----

export interface PortSpec { internal: number; external?: number; ip?: string; protocol?: string }
export interface MountSpec { type: string; source?: string; target: string; readOnly?: boolean }
export interface HealthSpec { tests?: string[]; interval?: string; timeout?: string; startPeriod?: string; startInterval?: string; retries?: number }
export interface Label { label: string; value: string }

/** The Container inputs the placement sets, resolved to plain values. */
export interface ContainerSpec {
  name: string;
  image: string;
  hostname?: string;
  command?: string[];
  entrypoints?: string[];
  envs?: string[];
  user?: string;
  readOnly?: boolean;
  tmpfs?: Record<string, string>;
  mounts?: MountSpec[];
  networksAdvanced?: { name: string; aliases?: string[] }[];
  ports?: PortSpec[];
  healthcheck?: HealthSpec;
  restart?: string;
  mustRun?: boolean;
  start?: boolean;
  attach?: boolean;
  logs?: boolean;
  wait?: boolean;
  waitTimeout?: number;
  memory?: number;
  memorySwap?: number;
  cpus?: string;
  ulimits?: { name: string; soft: number; hard: number }[];
  capabilities?: { adds?: string[]; drops?: string[] };
  securityOpts?: string[];
  labels?: Label[];
  logDriver?: string;
  logOpts?: Record<string, string>;
  stopTimeout?: number;
  destroyGraceSeconds?: number;
  uploads?: unknown[];
}
export type Field = keyof ContainerSpec;

/**
 * resource_docker_container.go: fields marked ForceNew (a diff replaces the container), among
 * those the placement uses. Everything else is updated in place, and of those only `restart`,
 * `memory` and `memorySwap` (here) reach the engine: UPDATE_APPLIES.
 */
export const FORCE_NEW: ReadonlySet<Field> = new Set<Field>([
  'name', 'image', 'hostname', 'command', 'entrypoints', 'envs', 'user', 'readOnly', 'mounts', 'networksAdvanced',
  'ports', 'cpus', 'ulimits', 'capabilities', 'securityOpts', 'labels', 'logDriver', 'logOpts', 'stopTimeout', 'uploads',
]);
/** resourceDockerContainerUpdate's attribute list, among the fields the placement uses (and must_run's restart). */
export const UPDATE_APPLIES: ReadonlySet<Field> = new Set<Field>(['restart', 'memory', 'memorySwap', 'mustRun']);
/** Optional + Computed: absent from the inputs, the stored value is not a diff. */
const COMPUTED: ReadonlySet<Field> = new Set<Field>([
  'hostname', 'command', 'entrypoints', 'envs', 'securityOpts', 'labels', 'logDriver', 'stopTimeout', 'healthcheck',
]);

/** Engine normalisation of capability names (moby oci/caps NormalizeLegacyCapabilities). */
const normaliseCap = (c: string) => {
  const up = c.toUpperCase();
  return up === 'ALL' || up.startsWith('CAP_') ? up : `CAP_${up}`;
};

/**
 * The state the provider holds after Create (Create ends with resourceDockerContainerRead),
 * for a container created from `sent` on an engine (running unless it is never started or
 * runs once).
 */
export function readBack(sent: ContainerSpec): ContainerSpec {
  const s: ContainerSpec = { ...sent };
  // Read: d.Set("cpus", nanoInt64ToDecimalString(NanoCPUs)) when NanoCPUs > 0.
  if (sent.cpus !== undefined) {
    const nano = parseCpus(sent.cpus);
    if (nano > 0n) s.cpus = nanoInt64ToDecimalString(nano);
  }
  // Create: memory MB * 1 MiB; engine: swap = 2 x memory when unset; Read: bytes / 1 MiB.
  const memBytes = BigInt(sent.memory ?? 0) * MIB;
  let swapBytes = sent.memorySwap === undefined || sent.memorySwap === 0 ? 0n
    : sent.memorySwap > 0 ? BigInt(sent.memorySwap) * MIB : BigInt(sent.memorySwap);
  if (memBytes > 0n && swapBytes === 0n) swapBytes = memBytes * 2n;
  s.memory = Number(memBytes / MIB);
  s.memorySwap = swapBytes > 0n ? Number(swapBytes / MIB) : Number(swapBytes);
  // Read: healthcheck from Config.Healthcheck, durations via time.Duration.String().
  if (sent.healthcheck) {
    const h = sent.healthcheck;
    const d = (v: string | undefined) => goDurationString(parseGoDuration(v ?? '0s'));
    s.healthcheck = {
      tests: h.tests ?? [],
      interval: d(h.interval), timeout: d(h.timeout), startPeriod: d(h.startPeriod), startInterval: d(h.startInterval),
      retries: h.retries ?? 0,
    };
  }
  // Read: getDockerContainerMounts sets read_only always (false when absent).
  if (sent.mounts) s.mounts = sent.mounts.map((m) => ({ type: m.type, source: m.source ?? '', target: m.target, readOnly: m.readOnly ?? false }));
  // Read: flattenContainerPorts of the live bindings (only while running or must_run), sorted by
  // internal port. An empty host IP binds both 0.0.0.0 and :: on a dual-stack engine: two
  // bindings come back for one sent (kreuzwerker issue #909).
  if (sent.ports && (sent.mustRun ?? true)) {
    s.ports = [...sent.ports].sort((a, b) => a.internal - b.internal).flatMap((p) => {
      const one = { internal: p.internal, external: p.external ?? 0, protocol: p.protocol ?? 'tcp' };
      return p.ip === undefined || p.ip === '' ? [{ ...one, ip: '0.0.0.0' }, { ...one, ip: '::' }] : [{ ...one, ip: p.ip }];
    });
  }
  if (sent.capabilities) {
    s.capabilities = { adds: (sent.capabilities.adds ?? []).map(normaliseCap), drops: (sent.capabilities.drops ?? []).map(normaliseCap) };
  }
  // Read: restart from RestartPolicy.Name (schema default "no").
  s.restart = sent.restart ?? 'no';
  // env, labels, networks_advanced and upload are not read back (the state keeps the inputs).
  return s;
}

const canonicalForDiff = (field: Field, v: unknown): unknown => {
  if (v === undefined) return undefined;
  switch (field) {
    // TypeSet fields: order does not matter.
    case 'envs': case 'securityOpts':
      return [...(v as string[])].sort();
    case 'labels':
      return [...(v as Label[])].map((l) => `${l.label}=${l.value}`).sort();
    case 'mounts':
      return (v as MountSpec[]).map((m) => JSON.stringify([m.type, m.source ?? '', m.target, m.readOnly ?? false])).sort();
    case 'ulimits':
      return (v as { name: string; soft: number; hard: number }[]).map((u) => `${u.name}:${u.soft}:${u.hard}`).sort();
    case 'networksAdvanced':
      return (v as { name: string; aliases?: string[] }[]).map((n) => `${n.name}:${[...(n.aliases ?? [])].sort().join(',')}`).sort();
    case 'capabilities': {
      const c = v as { adds?: string[]; drops?: string[] };
      return { adds: [...(c.adds ?? [])].sort(), drops: [...(c.drops ?? [])].sort() };
    }
    case 'ports':
      return (v as PortSpec[]).map((p) => ({ internal: p.internal, external: p.external ?? 0, ip: p.ip || '0.0.0.0', protocol: p.protocol ?? 'tcp' }));
    case 'healthcheck': {
      const h = v as HealthSpec;
      return { tests: h.tests ?? [], interval: h.interval ?? '0s', timeout: h.timeout ?? '0s', startPeriod: h.startPeriod ?? '0s', startInterval: h.startInterval ?? '0s', retries: h.retries ?? 0 };
    }
    case 'restart':
      return v ?? 'no';
    default:
      return v;
  }
};

/** Schema defaults the SDK fills in for an absent optional field. */
const DEFAULTS: Partial<Record<Field, unknown>> = { restart: 'no', mustRun: true, memorySwap: 0, memory: 0, readOnly: false, start: true };

export interface Plan {
  /** Fields whose diff replaces the container (ForceNew). */
  replace: Field[];
  /** Fields updated in place (not ForceNew). */
  update: Field[];
  /** In-place updates the provider's Update never sends to the engine (a silent no-op). */
  ignored: Field[];
}

/**
 * The terraform SDK's plan for a container: the stored state against the new inputs. Optional
 * + Computed fields absent from the inputs keep their stored value; other absent fields take
 * their schema default.
 */
export function plan(state: ContainerSpec, next: ContainerSpec): Plan {
  const fields = new Set<Field>([...Object.keys(state), ...Object.keys(next)] as Field[]);
  const out: Plan = { replace: [], update: [], ignored: [] };
  for (const f of [...fields].sort()) {
    if (['wait', 'waitTimeout', 'attach', 'logs', 'destroyGraceSeconds'].includes(f)) {
      // Stored from the inputs, never read: a change is an update with no effect on the engine.
      if (JSON.stringify(state[f]) !== JSON.stringify(next[f])) out.update.push(f);
      continue;
    }
    let want: unknown = next[f];
    if (want === undefined) {
      if (COMPUTED.has(f)) continue;
      want = DEFAULTS[f];
    }
    const have = state[f] === undefined ? DEFAULTS[f] : state[f];
    if (JSON.stringify(canonicalForDiff(f, have)) === JSON.stringify(canonicalForDiff(f, want))) continue;
    if (FORCE_NEW.has(f)) out.replace.push(f);
    else {
      out.update.push(f);
      if (!UPDATE_APPLIES.has(f)) out.ignored.push(f);
    }
  }
  return out;
}

/**
 * What the engine does with the provider's in-place update of memory (ContainerUpdate with
 * Memory and, when set in the inputs, MemorySwap): moby refuses a memory limit above the current
 * swap limit unless the swap is raised with it, and a swap limit below the memory limit.
 */
export function engineMemoryUpdate(state: ContainerSpec, next: ContainerSpec): { memory: number; memorySwap: number } {
  const memory = next.memory ?? 0;
  const sentSwap = next.memorySwap ?? 0;
  const currentSwap = state.memorySwap ?? 0;
  if (sentSwap === 0) {
    if (currentSwap > 0 && memory > currentSwap) {
      throw new Error('Error response from daemon: Cannot update container: Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time');
    }
    return { memory, memorySwap: currentSwap };
  }
  if (sentSwap > 0 && sentSwap < memory) throw new Error('Error response from daemon: Minimum memoryswap limit should be larger than memory limit');
  return { memory, memorySwap: sentSwap };
}
