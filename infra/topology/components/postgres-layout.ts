// Where the postgres image keeps its cluster, as PostgreSQL's container, its password one-shot
// and the backup container all see it.

/** PostgreSQL's data volume. */
export const POSTGRES_DATA_MOUNT = '/var/lib/postgresql/data';
/** The data folder: below the volume's root, so initdb never meets the volume's own files. */
export const PGDATA = `${POSTGRES_DATA_MOUNT}/pgdata`;
/** PostgreSQL's unix socket folder: a volume shared with set-db-password and the backup container, nothing else. */
export const POSTGRES_SOCKET_DIR = '/var/run/postgresql';
export const postgresSocketVolume = { name: 'postgres-socket', mountPath: POSTGRES_SOCKET_DIR, kind: 'scratch' } as const;
