// `npm run runbook`: writes RUNBOOK.md at the repository root from the alert definitions, for
// the deployment the topology describes.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { alertDefinitions } from '../../alerts/index.js';
import { renderRunbook } from '../../alerts/runbook/render.js';
import { alertsContext } from '../topology/alerts-context.js';

export const RUNBOOK_PATH = fileURLToPath(new URL('../../RUNBOOK.md', import.meta.url));

const ctx = alertsContext();
writeFileSync(RUNBOOK_PATH, renderRunbook(ctx));
console.log(`wrote ${RUNBOOK_PATH} (${alertDefinitions(ctx).length} alerts)`);
