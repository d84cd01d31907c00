// Docker -> AWS promotion: push the exact local image to the target stack's ECR repository and
// return the registry digest the stack then deploys. Drives `aws` and `docker` (tests put fakes
// of both first on PATH).
import { spawnSync } from 'node:child_process';
import { PromoteError } from './promote-pulumi.js';

export interface PushStep {
  /** The local image (its id) to push. */
  image: string;
  /** The target's ECR repository URL (`<account>.dkr.ecr.<region>.amazonaws.com/<name>`). */
  repository: string;
  /** The tag it is pushed under (from the image id: the same image always gets the same tag). */
  tag: string;
}

const ECR_URL = /^([0-9]{12}\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?)\/(.+)$/;

/** The tag a local image is pushed under: ECR tags are immutable, and this one names the content. */
export const promotedTag = (imageId: string): string => `promoted-${imageId.replace(/^sha256:/, '').slice(0, 16)}`;

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, input?: string) {
  const r = spawnSync(cmd, args, { env, encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  if (r.error) {
    const missing = (r.error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new PromoteError(missing ? `${cmd} is not installed: pushing an image to ECR needs the Docker client and the AWS CLI` : `${cmd}: ${r.error.message}`);
  }
  return { status: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}

function must(cmd: string, args: string[], env: NodeJS.ProcessEnv, input?: string, shown = args): string {
  const r = run(cmd, args, env, input);
  if (r.status !== 0) {
    const why = (r.stderr || r.stdout).trim().split('\n').find((l) => l.trim() !== '') ?? `exit ${r.status}`;
    throw new PromoteError(`${cmd} ${shown.join(' ')} failed: ${why}`);
  }
  return r.stdout;
}

/** Pushes step.image to step.repository; returns `repository@sha256:<digest>`. */
export function pushToEcr(step: PushStep, env: NodeJS.ProcessEnv, say: (line: string) => void): string {
  const m = ECR_URL.exec(step.repository);
  if (!m) throw new PromoteError(`${step.repository} is not an ECR repository URL (<account>.dkr.ecr.<region>.amazonaws.com/<name>)`);
  const [, registry, region, name] = m as unknown as [string, string, string, string];
  // Pushed before (a promotion run again): an immutable tag cannot be pushed twice, and this one
  // already names the same image, so its digest is the answer.
  const found = run('aws', ['ecr', 'describe-images', '--region', region, '--repository-name', name, '--image-ids', `imageTag=${step.tag}`,
    '--query', 'imageDetails[0].imageDigest', '--output', 'text'], env);
  const known = found.stdout.trim();
  if (found.status === 0 && /^sha256:[0-9a-f]{64}$/.test(known)) {
    say(`${step.repository}:${step.tag} is already in the repository (${known}); not pushing again`);
    return `${step.repository}@${known}`;
  }
  if (found.status !== 0 && !/ImageNotFoundException/.test(found.stderr)) {
    throw new PromoteError(`aws ecr describe-images failed: ${found.stderr.trim().split('\n')[0] ?? `exit ${found.status}`}`);
  }
  const password = must('aws', ['ecr', 'get-login-password', '--region', region], env);
  must('docker', ['login', '--username', 'AWS', '--password-stdin', registry], env, password);
  const target = `${step.repository}:${step.tag}`;
  must('docker', ['tag', step.image, target], env);
  say(`pushing ${step.image} to ${target}`);
  const pushed = must('docker', ['push', target], env);
  // The registry's answer, last line of `docker push`: "<tag>: digest: sha256:<hex> size: <n>".
  const digest = /digest: (sha256:[0-9a-f]{64})/.exec(pushed)?.[1];
  if (!digest) throw new PromoteError(`docker push ${target} printed no digest: ${pushed.trim().split('\n').pop() ?? ''}`);
  return `${step.repository}@${digest}`;
}
