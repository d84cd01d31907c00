// Test support: fake `pulumi`, `docker` and `aws` commands in a temp dir put first on PATH. Each
// records its arguments (calls.log) and answers like the real CLI from a state folder the test
// fills: stack outputs and histories, images in the local engine, images already in ECR.
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

// One script for the three commands. `pulumi up` deploys what Pulumi.<stack>.yaml says:
// the stack then reports that appImage (or, to test verify, what runs-instead/<stack> says).
const FAKE = String.raw`
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
const state = process.env.FAKE_STATE ?? STATE_DIR;
const [cmd, ...argv] = process.argv.slice(2);
appendFileSync(join(state, 'calls.log'), [cmd, ...argv].join(' ') + '\n');
const file = (...p) => join(state, ...p);
const read = (p, d) => (existsSync(p) ? JSON.parse(readFileSync(p, 'utf8')) : d);
const flag = (name) => argv[argv.indexOf(name) + 1];
const fail = (msg, code = 1) => { process.stderr.write(msg + '\n'); process.exit(code); };
if (cmd === 'pulumi') {
  const stack = flag('--stack');
  const known = existsSync(file('outputs', stack + '.json')) || existsSync(file('history', stack + '.json'));
  if (!known) fail("error: no stack named '" + stack + "' found", 255);
  if (argv[0] === 'stack' && argv[1] === 'output') process.stdout.write(JSON.stringify(read(file('outputs', stack + '.json'), {}), null, 4) + '\n');
  else if (argv[0] === 'stack' && argv[1] === 'history') process.stdout.write(JSON.stringify(read(file('history', stack + '.json'), []), null, 4) + '\n');
  else if (argv[0] === 'up') {
    if (existsSync(file('up-fails', stack))) fail('error: update failed', 255);
    const yaml = readFileSync(join(process.cwd(), 'Pulumi.' + stack + '.yaml'), 'utf8');
    const configured = /^\s*shortstack:appImage:\s*(\S+)\s*(#.*)?$/m.exec(yaml)?.[1];
    const outputs = read(file('outputs', stack + '.json'), {});
    outputs.appImage = existsSync(file('runs-instead', stack)) ? readFileSync(file('runs-instead', stack), 'utf8').trim() : configured;
    writeFileSync(file('outputs', stack + '.json'), JSON.stringify(outputs));
    const history = read(file('history', stack + '.json'), []);
    history.unshift({ kind: 'update', result: 'succeeded', version: (history[0]?.version ?? 0) + 1 });
    writeFileSync(file('history', stack + '.json'), JSON.stringify(history));
    process.stdout.write('Update succeeded\n');
  } else fail('fake pulumi: unexpected ' + argv.join(' '), 2);
} else if (cmd === 'docker') {
  const tags = read(file('docker-tags.json'), {});
  if (argv[0] === 'login') { readFileSync(0); process.stdout.write('Login Succeeded\n'); }
  else if (argv[0] === 'tag') {
    if (!read(file('docker-images.json'), []).includes(argv[1])) fail('Error response from daemon: No such image: ' + argv[1]);
    tags[argv[2]] = argv[1];
    writeFileSync(file('docker-tags.json'), JSON.stringify(tags));
  } else if (argv[0] === 'push') {
    if (!tags[argv[1]]) fail('An image does not exist locally with the tag: ' + argv[1]);
    process.stdout.write('The push refers to repository [' + argv[1].split(':')[0] + ']\n'
      + argv[1].split(':').pop() + ': digest: ' + pushedDigest(tags[argv[1]]) + ' size: 1573\n');
  } else fail('fake docker: unexpected ' + argv.join(' '), 2);
} else if (cmd === 'aws') {
  if (argv[1] === 'get-login-password') process.stdout.write('fake-ecr-password\n');
  else if (argv[1] === 'describe-images') {
    const tag = flag('--image-ids').replace('imageTag=', '');
    const inEcr = read(file('ecr.json'), {});
    if (inEcr[tag]) process.stdout.write(inEcr[tag] + '\n');
    else fail('An error occurred (ImageNotFoundException) when calling the DescribeImages operation: not found', 254);
  } else fail('fake aws: unexpected ' + argv.join(' '), 2);
}
function pushedDigest(image) { return 'sha256:' + createHash('sha256').update('pushed:' + image).digest('hex'); }
`;

/** The digest the fake registry answers for a pushed local image (as pushedDigest above). */
export const pushedDigestOf = (image: string): string => `sha256:${createHash('sha256').update(`pushed:${image}`).digest('hex')}`;

export interface FakeCli {
  /** A directory standing for the repository root (Pulumi.<stack>.yaml files). */
  root: string;
  /** The environment to run with: the fakes first on PATH. */
  env: NodeJS.ProcessEnv;
  /** Every command run, one line each (`pulumi up --yes --stack prod`). */
  calls(): string[];
  outputs(stack: string, outputs: Record<string, unknown>): void;
  history(stack: string, entries: Array<{ kind?: string; result?: string; version?: number }>): void;
  readOutputs(stack: string): Record<string, unknown>;
  /** Images the local Docker engine has (by id). */
  dockerImages(ids: string[]): void;
  /** Tags already in ECR, with their digest. */
  ecr(tags: Record<string, string>): void;
  upFails(stack: string): void;
  /** After `up`, the stack reports this image instead of its config's. */
  runsInstead(stack: string, ref: string): void;
  stackFile(stack: string, text: string): void;
  readStackFile(stack: string): string;
  cleanup(): void;
}

export function fakeCli(): FakeCli {
  const dir = mkdtempSync(join(tmpdir(), 'shortstack-promote-'));
  const bin = join(dir, 'bin');
  const state = join(dir, 'state');
  const root = join(dir, 'repo');
  for (const d of [bin, join(state, 'outputs'), join(state, 'history'), join(state, 'up-fails'), join(state, 'runs-instead'), root]) mkdirSync(d, { recursive: true });
  writeFileSync(join(state, 'calls.log'), '');
  writeFileSync(join(bin, 'fake.mjs'), FAKE.replace('STATE_DIR', JSON.stringify(state)));
  for (const cmd of ['pulumi', 'docker', 'aws']) {
    writeFileSync(join(bin, cmd), `#!/bin/sh\nexec node ${JSON.stringify(join(bin, 'fake.mjs'))} ${cmd} "$@"\n`);
    chmodSync(join(bin, cmd), 0o755);
  }
  const json = (path: string, v: unknown) => writeFileSync(path, JSON.stringify(v));
  return {
    root,
    // Node's own directory for the scripts' `node`; nothing else, so no real CLI answers.
    env: { PATH: `${bin}:${dirname(process.execPath)}:/usr/bin:/bin`, HOME: dir },
    calls: () => readFileSync(join(state, 'calls.log'), 'utf8').split('\n').filter(Boolean),
    outputs: (stack, o) => json(join(state, 'outputs', `${stack}.json`), o),
    history: (stack, h) => json(join(state, 'history', `${stack}.json`), h),
    readOutputs: (stack) => JSON.parse(readFileSync(join(state, 'outputs', `${stack}.json`), 'utf8')) as Record<string, unknown>,
    dockerImages: (ids) => json(join(state, 'docker-images.json'), ids),
    ecr: (tags) => json(join(state, 'ecr.json'), tags),
    upFails: (stack) => writeFileSync(join(state, 'up-fails', stack), ''),
    runsInstead: (stack, ref) => writeFileSync(join(state, 'runs-instead', stack), ref),
    stackFile: (stack, text) => writeFileSync(join(root, `Pulumi.${stack}.yaml`), text),
    readStackFile: (stack) => readFileSync(join(root, `Pulumi.${stack}.yaml`), 'utf8'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
