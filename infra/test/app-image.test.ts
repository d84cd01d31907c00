// `shortstack:appImage` under Pulumi mocks: a stack told which app image to run builds nothing,
// runs exactly that reference, and reports it as its `appImage` output (what promote reads).
import { describe, expect, it } from 'vitest';
import { runProgram, sharedRun, type MockRun } from './pulumi-mocks.js';

const DIGEST = `sha256:${'c0'.repeat(32)}`;
const ECR = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/shortstack-staging-app';
const AWS = { 'shortstack:placement': 'aws', 'aws:region': 'eu-west-1' };
const BUILD = 'docker:index/image:Image';
const REMOTE = 'docker:index/remoteImage:RemoteImage';

const outputOf = async (run: MockRun, name: string): Promise<unknown> => {
  const s = await run.settled[name]!;
  if ('error' in s) throw s.error;
  return s.value;
};
const appDefs = (run: MockRun) => (JSON.parse(run.byType('aws:ecs/taskDefinition:TaskDefinition')
  .find((t) => t.name === 'app-task')!.inputs.containerDefinitions as string) as Array<{ name: string; image: string }>);

// One run at a time: the mocks are process-wide.
describe('the app image a stack runs', () => {
  it('Docker, by default: builds app/Dockerfile and reports the built image', async () => {
    const run = await sharedRun('dev', {});
    // Beside PostgreSQL's image with pgBackRest, built on every Docker stack from the pinned postgres image.
    expect(run.byType(BUILD).map((i) => i.inputs.imageName)).toEqual(['shortstack-app:dev', 'shortstack-postgres-pgbackrest:15.13-alpine']);
    expect(await outputOf(run, 'appImage')).toBe('sha256:image-shortstack-app-dev');
    expect(run.container('app-1').inputs.image).toBe('sha256:image-shortstack-app-dev');
  });

  it('Docker, with a local image id: builds nothing, runs that image, reports the id', async () => {
    const run = await runProgram('dev', { 'shortstack:appImage': DIGEST });
    // No app build; PostgreSQL's image with pgBackRest is still built (it is not promoted).
    expect(run.byType(BUILD).map((i) => i.inputs.imageName)).toEqual(['shortstack-postgres-pgbackrest:15.13-alpine']);
    const remote = run.byType(REMOTE).filter((r) => r.inputs.name === DIGEST);
    expect(remote).toHaveLength(1);
    expect(remote[0]!.inputs.keepLocally).toBe(true);
    for (const c of ['app-1', 'app-2', 'migrate']) expect([c, run.container(c).inputs.image]).toEqual([c, `sha256:id-${remote[0]!.name}`]);
    expect(await outputOf(run, 'appImage')).toBe(DIGEST);
  });

  it('Docker, with a tag: pulls it and reports the image id it resolved to, not the tag', async () => {
    const run = await runProgram('dev', { 'shortstack:appImage': 'registry.example/shortstack-app:1.4.0' });
    const [remote] = run.byType(REMOTE).filter((r) => r.inputs.name === 'registry.example/shortstack-app:1.4.0');
    expect(await outputOf(run, 'appImage')).toBe(`sha256:id-${remote!.name}`);
  });

  it('AWS, by default: builds and pushes to the stack\'s repository, runs and reports the registry digest', async () => {
    const run = await sharedRun('staging', AWS);
    expect(run.byType(BUILD)).toHaveLength(1);
    const digest = await outputOf(run, 'appImage');
    expect(digest).toMatch(/^123456789012\.dkr\.ecr\.eu-west-1\.amazonaws\.com\/.*@sha256:[0-9a-f]{64}$/);
    expect(appDefs(run).filter((d) => d.name !== 'config-init').map((d) => d.image)).toEqual([digest, digest]);
    expect(await outputOf(run, 'appRepository')).toMatch(/^123456789012\.dkr\.ecr\.eu-west-1\.amazonaws\.com\/shortstack-staging-app$/);
  });

  it('AWS, with a registry digest: builds and pushes nothing, runs it as it is, keeps the repository', async () => {
    const ref = `${ECR}@${DIGEST}`;
    const run = await runProgram('prod', { ...AWS, 'shortstack:aws': JSON.stringify({ tier: 'prod' }), 'shortstack:appImage': ref });
    expect(run.byType(BUILD)).toEqual([]);
    expect(run.byType('aws:ecr/repository:Repository')).toHaveLength(1);
    expect(appDefs(run).filter((d) => d.name !== 'config-init').map((d) => [d.name, d.image])).toEqual([['migrate', ref], ['app', ref]]);
    expect(await outputOf(run, 'appImage')).toBe(ref);
  });
});
