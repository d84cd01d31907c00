// `npm run runbook`: writes RUNBOOK.md at the repository root from the alert definitions.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ALERTS } from '../index.js';
import { renderRunbook } from './render.js';

export const RUNBOOK_PATH = fileURLToPath(new URL('../../RUNBOOK.md', import.meta.url));

writeFileSync(RUNBOOK_PATH, renderRunbook(ALERTS));
console.log(`wrote ${RUNBOOK_PATH} (${ALERTS.length} alerts)`);
