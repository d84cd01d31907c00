// Runs the Pulumi program under pulumi.runtime.setMocks and records the whole resource graph.
import { readFileSync } from 'node:fs';
import * as pulumi from '@pulumi/pulumi';
import { parse } from 'yaml';

export interface Recorded {
  type: string;
  name: string;
  inputs: Record<string, any>;
  custom: boolean;
  /** The resource options the engine would get (read off the registration request). */
  retainOnDelete: boolean;
  protect: boolean;
}

export interface MockRun {
  resources: Recorded[];
  outputs: Record<string, unknown>;
  byType(type: string): Recorded[];
  container(instance: string): Recorded;
}

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getRetainondelete?(): boolean;
  getProtect?(): boolean;
}

/** Pulumi.<stack>.yaml as Pulumi hands it to the program (strings, objects JSON-encoded). */
export function stackFileConfig(file: string): Record<string, string> {
  const doc = parse(readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8')) as { config: Record<string, unknown> };
  return Object.fromEntries(Object.entries(doc.config).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
}

/** Resolves an output's value (under mocks every output is known). */
export const valueOf = <T>(o: pulumi.Output<T>): Promise<T> => new Promise((resolve) => o.apply((v) => { resolve(v); return v; }));
export const isSecret = (o: pulumi.Output<unknown>): Promise<boolean> => (o as unknown as { isSecret: Promise<boolean> }).isSecret;

export async function runProgram(stack: string, config: Record<string, string>, secretKeys: string[] = [],
  exitCodes: Record<string, number> = {}): Promise<MockRun> {
  const resources: Recorded[] = [];
  const options = new Map<string, { retainOnDelete: boolean; protect: boolean }>();
  await pulumi.runtime.setMocks({
    newResource(args) {
      const o = options.get(`${args.type}::${args.name}`) ?? { retainOnDelete: false, protect: false };
      resources.push({ type: args.type, name: args.name, inputs: args.inputs, custom: args.custom ?? true, ...o });
      // Images report their id and digest; an attached (one-shot) container its exit code, as the
      // provider does once it has run; everything else echoes its inputs.
      const exitCode = args.inputs.attach ? (exitCodes[args.name] ?? 0) : undefined;
      const state = { ...args.inputs, repoDigest: `sha256:${args.name}`, imageId: `sha256:id-${args.name}`, result: `generated-${args.name}`, exitCode };
      return { id: `${args.name}-id`, state };
    },
    call: (args) => args.inputs,
  }, 'shortstack', stack, false);
  // The mocks hand newResource no options: read retainOnDelete and protect off the request.
  const monitor = pulumi.runtime.getMonitor() as unknown as { registerResource(req: RegisterRequest, cb: unknown): unknown };
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, cb) => {
    options.set(`${req.getType()}::${req.getName()}`, { retainOnDelete: req.getRetainondelete?.() ?? false, protect: req.getProtect?.() ?? false });
    return register(req, cb);
  };
  pulumi.runtime.setAllConfig(config, secretKeys);
  const { defineStack } = await import('../program.js');
  const out = defineStack();
  const outputs: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(out)) outputs[k] = pulumi.Output.isInstance(v) ? v : v;
  await pulumi.runtime.disconnect();
  const byType = (type: string) => resources.filter((r) => r.type === type);
  return {
    resources,
    outputs,
    byType,
    container(instance) {
      const c = byType('docker:index/container:Container').find((r) => r.name === instance);
      if (!c) throw new Error(`no container ${instance}`);
      return c;
    },
  };
}
