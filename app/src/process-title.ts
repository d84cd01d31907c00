// The replica's process name (ps, top, /proc/PID/comm; at most 15 characters on Linux): every
// Node program is "node" otherwise, and the bench tells the replicas' CPU apart from the other
// Node processes it runs by this name (loadtest/lib/aims.ts PROGRAM).
export const REPLICA_PROCESS_TITLE = 'shortstack-app';
