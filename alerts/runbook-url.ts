// Where every alert's runbook_url points: RUNBOOK.md in the repository, one anchor per alert.

/** Overridable per stack (renderRuleFiles({ runbookBaseUrl })): e.g. an internal Git host. */
export const DEFAULT_RUNBOOK_BASE_URL = 'https://github.com/shortstack/shortstack/blob/main/RUNBOOK.md';

/** A stable anchor: the alert name lower-cased, which is also what GitHub derives from the heading. */
export function runbookAnchor(alertName: string): string {
  return alertName.toLowerCase().replace(/[^a-z0-9-]/g, '');
}

export function runbookUrl(alertName: string, base: string = DEFAULT_RUNBOOK_BASE_URL): string {
  return `${base}#${runbookAnchor(alertName)}`;
}
