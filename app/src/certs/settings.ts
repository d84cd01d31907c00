// The certificate manager's settings, from the environment (main.ts).

/** Renew once fewer days than this remain (Let's Encrypt's 90-day certificates: at 60 days of age). */
export const RENEW_BEFORE_DAYS = 30;

export interface CertSettings {
  dir: string;
  /** Where the ACME account key lives, if not under `dir`. */
  accountDir?: string;
  name: string;
  directoryUrl: string;
  email: string;
  directoryCaFile?: string;
  nginxPid?: number;
  nginxPidFile?: string;
  drain?: { flagFile: string; ms: number };
  metricsHost: string;
  metricsPort: number;
  renewBeforeDays: number;
  checkEveryS: number;
  retryMinS: number;
  retryMaxS: number;
}

/** Reads the settings, naming every missing or bad variable at once. */
export function settings(env: NodeJS.ProcessEnv): CertSettings {
  const problems: string[] = [];
  const str = (k: string) => {
    const v = env[k]?.trim();
    if (!v) problems.push(`${k} must be set`);
    return v ?? '';
  };
  const int = (k: string, fallback: number) => {
    const v = env[k];
    if (v === undefined || v === '') return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) problems.push(`${k} must be a whole number (got ${JSON.stringify(v)})`);
    return n;
  };
  const s: CertSettings = {
    dir: str('CERTS_DIR'),
    name: str('CERT_NAME'),
    directoryUrl: str('ACME_DIRECTORY'),
    email: str('ACME_EMAIL'),
    metricsHost: env.METRICS_HOST ?? '0.0.0.0',
    metricsPort: int('METRICS_PORT', 0),
    renewBeforeDays: int('RENEW_BEFORE_DAYS', RENEW_BEFORE_DAYS),
    checkEveryS: int('CHECK_EVERY_S', 3600),
    retryMinS: int('RETRY_MIN_S', 30),
    retryMaxS: int('RETRY_MAX_S', 3600),
  };
  if (env.ACME_ACCOUNT_DIR) s.accountDir = env.ACME_ACCOUNT_DIR;
  if (env.ACME_DIRECTORY_CA_FILE) s.directoryCaFile = env.ACME_DIRECTORY_CA_FILE;
  if (env.NGINX_PID) s.nginxPid = int('NGINX_PID', 0);
  if (env.NGINX_PID_FILE) s.nginxPidFile = env.NGINX_PID_FILE;
  if (s.nginxPid === undefined && s.nginxPidFile === undefined) problems.push('NGINX_PID or NGINX_PID_FILE must be set');
  if (env.NGINX_DRAIN_FLAG_FILE) s.drain = { flagFile: env.NGINX_DRAIN_FLAG_FILE, ms: int('NGINX_DRAIN_MS', 1000) };
  if (s.metricsPort === 0) problems.push('METRICS_PORT must be set');
  if (problems.length > 0) throw new Error(`invalid configuration: ${problems.join('; ')}`);
  return s;
}
