// Fargate's task sizes: CPU units and the memory each allows (AWS ECS developer guide, "Task
// CPU and memory"). A task is sized for all its containers together.

/** CPU units (1024 = 1 vCPU) -> the memory sizes (MiB) Fargate accepts with it. */
export const FARGATE_SIZES: ReadonlyArray<{ cpu: number; memoryMb: number[] }> = [
  { cpu: 256, memoryMb: [512, 1024, 2048] },
  { cpu: 512, memoryMb: range(1024, 4096, 1024) },
  { cpu: 1024, memoryMb: range(2048, 8192, 1024) },
  { cpu: 2048, memoryMb: range(4096, 16384, 1024) },
  { cpu: 4096, memoryMb: range(8192, 30720, 1024) },
  { cpu: 8192, memoryMb: range(16384, 61440, 4096) },
  { cpu: 16384, memoryMb: range(32768, 122880, 8192) },
];

function range(from: number, to: number, step: number): number[] {
  return Array.from({ length: (to - from) / step + 1 }, (_, i) => from + i * step);
}

export const isValidFargateSize = (cpu: number, memoryMb: number): boolean =>
  FARGATE_SIZES.some((s) => s.cpu === cpu && s.memoryMb.includes(memoryMb));

/** The smallest valid size with at least this much CPU (vCPUs) and memory (MiB). */
export function fargateSize(cpus: number, memoryMb: number): { cpu: number; memoryMb: number } {
  const units = Math.ceil(cpus * 1024);
  for (const s of FARGATE_SIZES) {
    if (s.cpu < units) continue;
    const m = s.memoryMb.find((x) => x >= memoryMb);
    if (m !== undefined) return { cpu: s.cpu, memoryMb: m };
  }
  throw new Error(`no Fargate size holds ${cpus} vCPU and ${memoryMb} MiB`);
}
