// What every component builder reads: the validated config and service addressing.
import type { Addressing } from './addressing.js';
import type { StackConfig } from './config.js';
import type { Platform } from './platform.js';
import { CONFIG_DIR, SECRETS_DIR } from './names.js';

export interface BuildContext {
  config: StackConfig;
  addr: Addressing;
  /** Project/stack label value: Alloy reads only this stack's containers. */
  stackName: string;
  platform: Platform;
}

export const configPath = (file: string) => `${CONFIG_DIR}/${file}`;
/** A secret file's path (see SECRETS_DIR): the one place a component reads a secret from. */
export const secretPath = (file: string) => `${SECRETS_DIR}/${file}`;

/** The stop grace of components without a graceful-stop deadline of their own. */
export const DEFAULT_STOP_GRACE_S = 15;

/** A container health check over HTTP with the busybox wget most images carry. */
export const wgetCheck = (url: string) => ({
  test: ['CMD', 'wget', '-q', '-O', '/dev/null', url],
  intervalS: 10, timeoutS: 3, retries: 3, startPeriodS: 10,
});

export const check = (test: string[], startPeriodS = 10) => ({ test, intervalS: 10, timeoutS: 3, retries: 3, startPeriodS });

/** Labels placed on every container; Alloy turns them into the `component` and `replica` labels. */
export const CONTAINER_LABELS = {
  stack: 'com.shortstack.stack',
  component: 'com.shortstack.component',
  instance: 'com.shortstack.instance',
} as const;
