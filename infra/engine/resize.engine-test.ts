// Resizes on a real engine, with the Docker placement's own values: the memory and swap its mock
// graph gives Redis on the dev stack and at the prod stack's cache size. The provider updates memory in place
// (`docker update`); the engine refuses a memory limit above the swap limit unless both change,
// which is why the placement sets swap equal to memory.
import { afterEach, describe, expect, it } from 'vitest';
import { runProgram, stackFileConfig } from '../test/pulumi-mocks.js';
import { engine, uniqueName } from './containers.js';

const MiB = 1024 * 1024;

/** Docker at prod's cache size (Pulumi.prod.yaml itself is an AWS stack, with ElastiCache). */
const DOCKER_AT_PROD_SIZE = { 'shortstack:cache': JSON.stringify({ lruMax: 500000, redisMaxMemoryMb: 1024 }) };

async function redisMemory(stack: 'dev' | 'prod'): Promise<{ memory: number; memorySwap: number | undefined }> {
  const config = stack === 'dev' ? stackFileConfig('Pulumi.dev.yaml') : DOCKER_AT_PROD_SIZE;
  const redis = (await runProgram(stack, config)).container('redis');
  return { memory: Number(redis.inputs.memory), memorySwap: redis.inputs.memorySwap === undefined ? undefined : Number(redis.inputs.memorySwap) };
}

describe('resizing a container on the engine', () => {
  const created: string[] = [];
  afterEach(async () => {
    const { docker } = engine();
    for (const id of created.splice(0)) await docker.run(['rm', '-f', id], { allowFailure: true });
  });

  async function sleeper(memory: number, memorySwap?: number): Promise<string> {
    const { docker, baseImage } = engine();
    const limits = ['--memory', `${memory}m`, ...(memorySwap === undefined ? [] : ['--memory-swap', `${memorySwap}m`])];
    const id = await docker.out(['run', '-d', '--name', uniqueName('resize'), ...limits, baseImage, 'sleep', '600']);
    created.push(id);
    return id;
  }

  const hostConfig = async (id: string) =>
    (await engine().docker.inspect<{ Id: string; State: { Running: boolean }; HostConfig: { Memory: number; MemorySwap: number } }>('container', id))!;

  it('grows Redis from the dev to the prod size and back, in place, with the placement\'s memory and swap', async () => {
    const dev = await redisMemory('dev');
    const prod = await redisMemory('prod');
    expect(prod.memory).toBeGreaterThan(dev.memorySwap ?? dev.memory * 2); // past what Docker's default swap would allow
    expect(dev.memorySwap).toBe(dev.memory);
    expect(prod.memorySwap).toBe(prod.memory);

    const { docker } = engine();
    const id = await sleeper(dev.memory, dev.memorySwap);
    for (const size of [prod, dev]) {
      const r = await docker.run(['update', '--memory', `${size.memory}m`, '--memory-swap', `${size.memorySwap}m`, id], { allowFailure: true });
      expect(r.code, r.stderr).toBe(0);
      const after = await hostConfig(id);
      expect(after.HostConfig).toMatchObject({ Memory: size.memory * MiB, MemorySwap: size.memorySwap! * MiB });
      // The same container, still running: updated, not replaced.
      expect(after.Id).toBe(id);
      expect(after.State.Running).toBe(true);
    }
  });

  it('without a swap setting (the placement before), the engine refuses the same raise', async () => {
    const dev = await redisMemory('dev');
    const prod = await redisMemory('prod');
    const { docker } = engine();
    const id = await sleeper(dev.memory);
    // Docker set the swap limit to twice the memory at create.
    expect((await hostConfig(id)).HostConfig.MemorySwap).toBe(2 * dev.memory * MiB);
    const r = await docker.run(['update', '--memory', `${prod.memory}m`, id], { allowFailure: true });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/Memory limit should be smaller than already set memoryswap limit/);
  });
});
