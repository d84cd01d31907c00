// The load of the end-to-end chaos, rollout and restore tests, written once.

/**
 * Behaviour under concurrent load, not capacity (`npm run bench` measures that): four connections
 * at 300 requests a second in all, so a run does not spend the cores the other test files need,
 * over 50 links, two seconds of it before the fault.
 */
export const BRIEF_LOAD = { connections: 4, rate: 300, links: 50, warmS: 2 } as const;
