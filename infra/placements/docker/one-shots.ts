// One-shot containers on Docker (migrations, password resets, config checks): the provider
// reports their exit code and never fails on it, so a dependent checks it.
/** What each one-shot does, for its error message. */
const ONE_SHOT_PURPOSE: Record<string, string> = {
  migrate: 'the schema migration',
  'set-db-password': "setting the database role's password",
  'set-grafana-password': "resetting Grafana's admin password",
};

const purposeOf = (oneShot: string): string => ONE_SHOT_PURPOSE[oneShot]
  ?? (oneShot.endsWith('-config') ? `checking and applying ${oneShot.slice(0, -'-config'.length)}'s new config files`
    : oneShot.endsWith('-reload') ? `signalling ${oneShot.slice(0, -'-reload'.length)} to reload its config` : oneShot);

/**
 * The provider reports a one-shot's exit code but never fails on it: a failed migration must
 * stop the deployment (this throws inside the dependent's inputs), not start the app against an
 * old schema. The failed container stays in the state with its exit code; `npm run up` replaces
 * it on the next run (infra/cli/pulumi.ts), so the step runs again. Every one-shot here is safe
 * to repeat (migrations under their advisory lock, idempotent password resets).
 */
export function requireExitZero(oneShot: string, containerName: string, dependent?: string, urn?: string): (code: number | undefined) => string {
  return (code) => {
    if (code === 0) return 'exited-0';
    const what = purposeOf(oneShot);
    throw new Error([
      `${oneShot} (${what}) failed with exit code ${code ?? 'unknown'}${dependent ? `; ${dependent} was not started or replaced` : ''}.`,
      `Its output: docker logs ${containerName}.`,
      `Fix the cause, then run \`npm run up\` again: it re-runs a failed ${oneShot} (safe to repeat).`,
      `With the Pulumi CLI alone: pulumi up --replace '${urn ?? `<urn of ${oneShot}>`}'.`,
    ].join(' '));
  };
}
