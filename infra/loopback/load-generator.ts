// A load generator is one client address sending what thousands of users would. The stacks it
// measures lift nginx's per-address budget out of its way; the limiter still runs on every
// request, so its cost stays in the figures.
export const LOAD_GENERATOR_STACK_CONFIG = {
  nginx: {
    requestsPerSecondPerAddress: 10_000_000,
    burstPerAddress: 10_000_000,
    probeRequestsPerSecondPerAddress: 10_000_000,
    // nginx's limit_conn ceiling.
    connectionsPerAddress: 65_535,
  },
};
