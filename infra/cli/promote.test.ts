// `npm run promote` end to end against fake `pulumi`, `docker` and `aws` commands on PATH (see
// fake-cli.ts): the refusals, the config written, the push, `pulumi up` and the check after it.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeCli, pushedDigestOf, type FakeCli } from './fake-cli.js';
import { main } from './promote.js';
import { promotedTag } from './promote-registry.js';

const ID = `sha256:${'a1'.repeat(32)}`;
const OLD = `sha256:${'0d'.repeat(32)}`;
const PREVIOUS = `sha256:${'9e'.repeat(32)}`;
const ECR = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';
const STAGING_REPO = `${ECR}/shortstack-staging-app-1a2b3c`;
const PROD_REPO = `${ECR}/shortstack-prod-app-4d5e6f`;
const PUSHED = `${STAGING_REPO}@${pushedDigestOf(ID)}`;

const DEV_FILE = `# The dev stack (Docker).
config:
  shortstack:placement: docker
  shortstack:replicas: 2
`;
const STAGING_FILE = `# The smallest AWS stack.
config:
  aws:region: eu-west-1
  shortstack:placement: aws
`;
const PROD_FILE = `# The prod stack: the same topology on AWS.
config:
  aws:region: eu-west-1
  shortstack:placement: aws
  shortstack:replicas: 4
  shortstack:aws:
    # prod: three zones.
    tier: prod
    domain: sho.rt
  # The image prod runs: written by npm run promote.
  shortstack:appImage: ${PROD_REPO}@${OLD} # reviewed in git
  shortstack:logLevel: info
`;

const ok = (version: number) => [{ kind: 'update', result: 'succeeded', version }];
let cli: FakeCli;

beforeEach(() => {
  cli = fakeCli();
  cli.stackFile('dev', DEV_FILE);
  cli.stackFile('staging', STAGING_FILE);
  cli.stackFile('prod', PROD_FILE);
  cli.outputs('dev', { appImage: ID, frontDoorUrl: 'http://localhost:8080', adminApiKey: '[secret]' });
  cli.history('dev', ok(7));
  cli.dockerImages([ID]);
  cli.outputs('staging', { appImage: `${STAGING_REPO}@${OLD}`, appRepository: STAGING_REPO });
  cli.history('staging', ok(3));
  cli.outputs('prod', { appImage: `${PROD_REPO}@${OLD}`, appRepository: PROD_REPO });
  cli.history('prod', ok(12));
});
afterEach(() => cli.cleanup());

/** Runs the command in process; stdout lines and stderr collected. */
function promote(...argv: string[]): { status: number; out: string; err: string } {
  const lines: string[] = [];
  const original = console.error;
  let err = '';
  console.error = (...a: unknown[]) => { err += `${a.join(' ')}\n`; };
  try {
    const status = main(argv, { root: cli.root, env: cli.env }, (l) => lines.push(l));
    return { status, out: lines.join('\n'), err };
  } finally {
    console.error = original;
  }
}
const mutating = (calls: string[]) => calls.filter((c) => /^pulumi up|^docker (tag|push|login)|^aws ecr get-login/.test(c));

describe('the typical flow: dev (Docker) -> staging (AWS) -> prod (AWS)', () => {
  it('pushes the local image to staging\'s repository and deploys the digest the registry returned', () => {
    const r = promote('--from', 'dev', '--to', 'staging');
    expect([r.status, r.err]).toEqual([0, '']);
    const tag = promotedTag(ID);
    expect(cli.calls()).toEqual([
      'pulumi stack history --json --page-size 20 --stack dev',
      'pulumi stack output --json --stack dev',
      'pulumi stack output --json --stack staging',
      `aws ecr describe-images --region eu-west-1 --repository-name shortstack-staging-app-1a2b3c --image-ids imageTag=${tag} --query imageDetails[0].imageDigest --output text`,
      'aws ecr get-login-password --region eu-west-1',
      `docker login --username AWS --password-stdin ${ECR}`,
      `docker tag ${ID} ${STAGING_REPO}:${tag}`,
      `docker push ${STAGING_REPO}:${tag}`,
      'pulumi up --yes --stack staging',
      'pulumi stack output --json --stack staging',
    ]);
    expect(cli.readStackFile('staging')).toBe(`${STAGING_FILE}  shortstack:appImage: ${PUSHED}\n`);
    expect(r.out).toContain(`verified: stack staging runs ${PUSHED}`);
  });

  it('then reuses staging\'s digest untouched for prod: no push, one line of prod\'s file changed', () => {
    expect(promote('--from', 'dev', '--to', 'staging').status).toBe(0);
    const before = cli.calls().length;
    const r = promote('--from', 'staging', '--to', 'prod');
    expect([r.status, r.err]).toEqual([0, '']);
    expect(cli.calls().slice(before)).toEqual([
      'pulumi stack history --json --page-size 20 --stack staging',
      'pulumi stack output --json --stack staging',
      'pulumi stack output --json --stack prod',
      'pulumi up --yes --stack prod',
      'pulumi stack output --json --stack prod',
    ]);
    expect(cli.readStackFile('prod')).toBe(PROD_FILE.replace(`${PROD_REPO}@${OLD}`, PUSHED));
    expect(r.out).toContain(`note: stack prod will pull from ${STAGING_REPO}, not its own repository`);
    expect(cli.readOutputs('prod').appImage).toBe(PUSHED);
  });

  it('does not push again an image already in the repository (a promotion run twice)', () => {
    cli.ecr({ [promotedTag(ID)]: pushedDigestOf(ID) });
    expect(promote('--from', 'dev', '--to', 'staging', '--no-up').status).toBe(0);
    expect(cli.calls().filter((c) => c.startsWith('docker'))).toEqual([]);
    expect(cli.readStackFile('staging')).toContain(`shortstack:appImage: ${PUSHED}`);
  });
});

describe('refusals: nothing written, nothing deployed', () => {
  const refused = (argv: string[], message: RegExp) => {
    const files = ['dev', 'staging', 'prod'].map((s) => cli.readStackFile(s));
    const r = promote(...argv);
    expect(r.status).toBe(1);
    expect(r.err.trim().split('\n')).toEqual([expect.stringMatching(message)]);
    expect(['dev', 'staging', 'prod'].map((s) => cli.readStackFile(s))).toEqual(files);
    expect(mutating(cli.calls())).toEqual([]);
  };

  it('when the source\'s last update failed, or is still running', () => {
    cli.history('dev', [{ kind: 'update', result: 'failed', version: 8 }, ...ok(7)]);
    refused(['--from', 'dev', '--to', 'staging'], /^promote: stack dev's last update \(#8\) ended failed: promote only what deployed cleanly/);
    cli.history('dev', [{ kind: 'update', result: 'in-progress', version: 8 }]);
    refused(['--from', 'dev', '--to', 'staging'], /last update \(#8\) is still in progress/);
    // A refresh after the failed update does not make it a good deployment.
    cli.history('dev', [{ kind: 'refresh', result: 'succeeded', version: 9 }, { kind: 'update', result: 'failed', version: 8 }]);
    refused(['--from', 'dev', '--to', 'staging'], /last update \(#8\) ended failed/);
    cli.history('dev', []);
    refused(['--from', 'dev', '--to', 'staging'], /^promote: stack dev has never been updated/);
  });

  it('when the source\'s digest is unknown (no appImage output, or a tag)', () => {
    cli.outputs('dev', {});
    refused(['--from', 'dev', '--to', 'staging'], /^promote: stack dev reports no app image digest \(appImage output: missing\)/);
    cli.outputs('dev', { appImage: 'shortstack-app:dev' });
    refused(['--from', 'dev', '--to', 'staging'], /reports no app image digest \(appImage output: "shortstack-app:dev"\)/);
  });

  it('when the target is prod-like (aws.tier prod) and the image is a tag; a dev-tier target takes it', () => {
    refused(['--image', `${STAGING_REPO}:1.4.0`, '--to', 'prod'], /^promote: stack prod refuses .*:1\.4\.0: shortstack:appImage must be a registry digest .* on a prod-tier stack/);
    // The rule is the config's: the same file under another name refuses the same way.
    cli.stackFile('live', PROD_FILE);
    cli.outputs('live', { appRepository: PROD_REPO });
    refused(['--image', `${STAGING_REPO}:1.4.0`, '--to', 'live'], /^promote: stack live refuses/);
    expect(promote('--image', `${STAGING_REPO}:1.4.0`, '--to', 'staging', '--no-up').status).toBe(0);
  });

  it('when a local image would go to an AWS stack that has no repository yet', () => {
    cli.outputs('staging', {});
    refused(['--from', 'dev', '--to', 'staging'], /^promote: stack staging has no ECR repository yet \(appRepository output\): deploy it once/);
  });

  it('on a wrong command line', () => {
    refused(['--to', 'prod'], /^promote: give either --from <stack> or --image <ref>$/);
    refused(['--from', 'dev', '--image', ID, '--to', 'prod'], /give either/);
    refused(['--from', 'prod', '--to', 'prod'], /name the same stack/);
    refused(['--from', 'dev', '--to', 'qa'], /^promote: no Pulumi\.qa\.yaml in /);
  });
});

describe('--plan, --no-up and the check after up', () => {
  it('--plan prints the digest, the push and the config diff, and changes nothing', () => {
    const r = promote('--from', 'dev', '--to', 'staging', '--plan');
    expect(r.status).toBe(0);
    expect(cli.readStackFile('staging')).toBe(STAGING_FILE);
    expect(mutating(cli.calls())).toEqual([]);
    expect(cli.calls().filter((c) => c.startsWith('aws') || c.startsWith('docker'))).toEqual([]);
    expect(r.out).toContain(`stack dev runs ${ID}`);
    expect(r.out).toContain(`would push ${ID} to ${STAGING_REPO}:${promotedTag(ID)}`);
    expect(r.out).toContain('  +  shortstack:appImage: <the digest the push returns>');
    const p = promote('--from', 'staging', '--to', 'prod', '--plan');
    expect(p.out).toContain(`  -  shortstack:appImage: ${PROD_REPO}@${OLD} # reviewed in git\n  +  shortstack:appImage: ${STAGING_REPO}@${OLD} # reviewed in git`);
    expect(cli.readStackFile('prod')).toBe(PROD_FILE);
  });

  it('--no-up writes the config and prints the pulumi up to run', () => {
    const r = promote('--from', 'staging', '--to', 'prod', '--no-up');
    expect(r.status).toBe(0);
    expect(cli.readStackFile('prod')).toContain(`shortstack:appImage: ${STAGING_REPO}@${OLD}`);
    expect(cli.calls().filter((c) => c.startsWith('pulumi up'))).toEqual([]);
    expect(r.out).toContain('next: pulumi up --yes --stack prod');
  });

  it('fails the check when the target runs another image after up', () => {
    cli.runsInstead('prod', `${PROD_REPO}@${OLD}`);
    const r = promote('--from', 'staging', '--to', 'prod');
    expect(r.status).toBe(1);
    expect(r.err.trim()).toBe(`promote: verify failed: after pulumi up, stack prod reports appImage "${PROD_REPO}@${OLD}", not ${STAGING_REPO}@${OLD}`);
  });

  it('says what to do when pulumi up fails', () => {
    cli.upFails('prod');
    const r = promote('--from', 'staging', '--to', 'prod');
    expect(r.status).toBe(1);
    expect(r.err.trim()).toMatch(/^promote: pulumi up --stack prod failed \(exit 255\); Pulumi\.prod\.yaml keeps the new image/);
  });

  it('rolls back by promoting the previous digest', () => {
    const r = promote('--image', `${PROD_REPO}@${PREVIOUS}`, '--to', 'prod');
    expect(r.status).toBe(0);
    expect(cli.readStackFile('prod')).toBe(PROD_FILE.replace(OLD, PREVIOUS));
    expect(r.out).toContain(`verified: stack prod runs ${PROD_REPO}@${PREVIOUS}`);
  });
});

describe('npm run promote (the command line itself)', () => {
  it('runs from the directory it is started in, and exits 1 with one line on a refusal', () => {
    const script = fileURLToPath(new URL('./promote.ts', import.meta.url));
    const run = (...argv: string[]) => spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), script, ...argv], {
      cwd: cli.root, env: cli.env, encoding: 'utf8', timeout: 60_000,
    });
    const plan = run('--from', 'staging', '--to', 'prod', '--plan');
    expect([plan.status, plan.stderr]).toEqual([0, '']);
    expect(plan.stdout).toContain(`would set stack prod's shortstack:appImage to ${STAGING_REPO}@${OLD}`);
    cli.history('staging', [{ kind: 'update', result: 'failed', version: 4 }]);
    const refused = run('--from', 'staging', '--to', 'prod');
    expect(refused.status).toBe(1);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(run('--from', 'staging').status).toBe(2);
  });
});
