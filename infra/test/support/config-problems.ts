// Every problem parseStackConfig reports for a raw stack config (none: an empty object).
import { parseStackConfig, type StackConfigError } from '../../topology/config.js';

export function problemsIn(raw: Record<string, unknown>, awsRegion?: string): Record<string, string> {
  try {
    parseStackConfig(raw, awsRegion === undefined ? {} : { awsRegion });
    return {};
  } catch (e) {
    return (e as StackConfigError).problems;
  }
}
