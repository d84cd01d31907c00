// A small seeded PRNG: load runs are reproducible from their seed, and tests of the samplers are
// deterministic. The same mulberry32 that generates the seed data.
import { prng } from '../../app/src/seed/generator.js';

export type Rng = () => number;

export const seededRng: (seed: number) => Rng = prng;
