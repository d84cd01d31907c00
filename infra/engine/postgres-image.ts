// A stand-in for the pinned PostgreSQL image (postgres:15.13-alpine), for engines that cannot
// reach a registry: Debian's PostgreSQL 15 on the engine tier's bookworm base, laid out to the
// official image's contract as far as the Docker placement relies on it:
// - the `postgres` user and group with uid/gid 70 (Alpine's, which the placement's --user 70:70
//   names), a home of /var/lib/postgresql;
// - PGDATA=/var/lib/postgresql/data (mode 1777, a VOLUME) and /var/run/postgresql (mode 3777, the
//   socket folder), owned by postgres, so a fresh named volume on either is writable by uid 70;
// - the server binaries on PATH, `listen_addresses = '*'` in the sample initdb copies,
//   STOPSIGNAL SIGINT, CMD postgres;
// - an entrypoint of our own with the official one's behaviour for the parts the graph uses:
//   POSTGRES_PASSWORD / _USER / _DB / _INITDB_ARGS, each also from a `_FILE`; on an empty PGDATA
//   (no PG_VERSION), initdb with that superuser and password, a `host all all all <password
//   encryption>` line appended to pg_hba.conf (POSTGRES_HOST_AUTH_METHOD overrides), a
//   socket-only temporary server that creates POSTGRES_DB and runs /docker-entrypoint-initdb.d
//   (*.sql, *.sh), then `exec "$@"`; arguments starting with `-` mean `postgres ...`.
// Differences: PostgreSQL 15 as Debian builds it (15.x of today's bookworm, not 15.13), glibc and
// LANG=C.UTF-8 instead of musl's en_US.utf8 (both give UTF8 databases), no gosu step-down (the
// placement never starts it as root: as root this entrypoint refuses), no nss_wrapper for
// arbitrary uids, no compressed init files.
import type { Log } from './base-image.js';
import type { DockerClient } from './docker.js';
import { ensureStandIn, type StandInRecipe } from './stand-in.js';

export const PG_MAJOR = 15;

const ENTRYPOINT = `#!/bin/bash
# The stand-in's entrypoint (see infra/engine/postgres-image.ts): the official image's contract.
set -Eeo pipefail

# VAR from $VAR or from the file named by $VAR_FILE (never both).
from_env_or_file() {
  local var="$1" file_var="$1_FILE" value="\${2:-}"
  if [ -n "\${!var:-}" ] && [ -n "\${!file_var:-}" ]; then
    echo "error: both $var and $file_var are set" >&2
    exit 1
  fi
  if [ -n "\${!var:-}" ]; then value="\${!var}"; elif [ -n "\${!file_var:-}" ]; then value="$(< "\${!file_var}")"; fi
  export "$var=$value"
  unset "$file_var"
}

sql() {
  PGHOST= PGHOSTADDR= psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --no-psqlrc "$@"
}

if [ "\${1:0:1}" = '-' ]; then set -- postgres "$@"; fi

if [ "$1" = postgres ]; then
  from_env_or_file POSTGRES_PASSWORD
  from_env_or_file POSTGRES_USER postgres
  from_env_or_file POSTGRES_DB "$POSTGRES_USER"
  from_env_or_file POSTGRES_INITDB_ARGS
  if [ "$(id -u)" = 0 ]; then
    echo "this stand-in does not step down from root: run it with --user 70:70" >&2
    exit 1
  fi
  mkdir -p "$PGDATA"
  chmod 700 "$PGDATA" || :
  mkdir -p /var/run/postgresql || :
  chmod 3775 /var/run/postgresql || :
  if [ ! -s "$PGDATA/PG_VERSION" ]; then
    if [ -z "$POSTGRES_PASSWORD" ] && [ "\${POSTGRES_HOST_AUTH_METHOD:-}" != trust ]; then
      echo "error: the database is uninitialized and no superuser password is set (POSTGRES_PASSWORD or POSTGRES_PASSWORD_FILE)" >&2
      exit 1
    fi
    # initdb refuses an empty password file, hence the newline.
    eval 'initdb --username="$POSTGRES_USER" --pwfile=<(printf "%s\\n" "$POSTGRES_PASSWORD") '"$POSTGRES_INITDB_ARGS"
    auth="$(postgres -C password_encryption "\${@:2}")"
    printf '\\nhost all all all %s\\n' "\${POSTGRES_HOST_AUTH_METHOD:-$auth}" >> "$PGDATA/pg_hba.conf"
    export PGPASSWORD="\${PGPASSWORD:-$POSTGRES_PASSWORD}"
    # Socket only while setting up: nobody reaches it over TCP half-made.
    pg_ctl -D "$PGDATA" -o "$(printf '%q ' "\${@:2}" -c listen_addresses= -p "\${PGPORT:-5432}")" -w start
    if [ -z "$(sql --dbname postgres --set db="$POSTGRES_DB" --tuples-only <<< "SELECT 1 FROM pg_database WHERE datname = :'db';" | tr -d ' \\n')" ]; then
      sql --dbname postgres --set db="$POSTGRES_DB" <<< 'CREATE DATABASE :"db";'
    fi
    for f in /docker-entrypoint-initdb.d/*; do
      case "$f" in
        *.sh) echo "$0: running $f"; if [ -x "$f" ]; then "$f"; else . "$f"; fi ;;
        *.sql) echo "$0: running $f"; sql --dbname "$POSTGRES_DB" -f "$f" ;;
        */\\*) ;;
        *) echo "$0: ignoring $f" ;;
      esac
    done
    pg_ctl -D "$PGDATA" -m fast -w stop
    unset PGPASSWORD
    echo 'PostgreSQL init process complete; ready for start up.'
  else
    echo 'PostgreSQL Database directory appears to contain a database; Skipping initialization'
  fi
fi

exec "$@"
`;

export const POSTGRES_RECIPE: StandInRecipe = {
  name: 'shortstack-engine/postgres',
  dockerfile: (base) => [
    `FROM ${base}`,
    // Alpine's postgres ids, before the package would pick its own.
    'RUN groupadd -r -g 70 postgres && useradd -r -u 70 -g postgres -d /var/lib/postgresql -s /bin/sh postgres \\',
    ' && install -d -o postgres -g postgres -m 1777 /var/lib/postgresql',
    // No cluster of Debian's own: the entrypoint makes one in PGDATA, as the official image does.
    'RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends postgresql-common \\',
    " && sed -ri 's/#(create_main_cluster) .*$/\\1 = false/' /etc/postgresql-common/createcluster.conf \\",
    ` && apt-get install -y -qq --no-install-recommends postgresql-${PG_MAJOR} && rm -rf /var/lib/apt/lists/*`,
    `RUN sed -ri "s!^#?(listen_addresses)\\s*=\\s*\\S+.*!\\1 = '*'!" /usr/share/postgresql/${PG_MAJOR}/postgresql.conf.sample \\`,
    ` && grep -F "listen_addresses = '*'" /usr/share/postgresql/${PG_MAJOR}/postgresql.conf.sample`,
    'RUN install -d -o postgres -g postgres -m 3777 /var/run/postgresql \\',
    ' && install -d -o postgres -g postgres -m 1777 /var/lib/postgresql/data && mkdir /docker-entrypoint-initdb.d',
    `ENV LANG=C.UTF-8 PG_MAJOR=${PG_MAJOR} PATH=/usr/lib/postgresql/${PG_MAJOR}/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin PGDATA=/var/lib/postgresql/data`,
    'COPY docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh',
    'VOLUME /var/lib/postgresql/data',
    'ENTRYPOINT ["docker-entrypoint.sh"]',
    'STOPSIGNAL SIGINT',
    'EXPOSE 5432',
    'CMD ["postgres"]',
    '',
  ].join('\n'),
  files: { 'docker-entrypoint.sh': { content: ENTRYPOINT, mode: 0o755 } },
};

/** The stand-in in this engine: present, loaded from the cache, or built (stand-in.ts). */
export function ensurePostgresStandIn(docker: DockerClient, base: string, log?: Log): Promise<string> {
  return ensureStandIn(docker, POSTGRES_RECIPE, base, log);
}
