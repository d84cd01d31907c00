// The named load scenarios: which traffic and which connection schedule.
import { spike, steady, type Phase } from './schedule.js';
import { MIXED, REDIRECTS_ONLY, type Mix } from './traffic.js';

export const SCENARIOS = ['redirects', 'mixed', 'spike', 'soak'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface Scenario {
  name: ScenarioName;
  mix: Mix;
  phases: Phase[];
}

export function isScenario(name: string): name is ScenarioName {
  return (SCENARIOS as readonly string[]).includes(name);
}

export function scenario(name: ScenarioName, durationS: number, connections: number): Scenario {
  switch (name) {
    case 'redirects':
      return { name, mix: REDIRECTS_ONLY, phases: steady(durationS, connections) };
    case 'mixed':
      return { name, mix: MIXED, phases: steady(durationS, connections) };
    case 'spike':
      // Redirect traffic: the question is how the read path copes with 10x the connections.
      return { name, mix: REDIRECTS_ONLY, phases: spike(durationS, connections) };
    case 'soak':
      // The realistic mix held for a long time: leaks and slow drifts show in the p99 series.
      return { name, mix: MIXED, phases: steady(durationS, connections) };
  }
}
