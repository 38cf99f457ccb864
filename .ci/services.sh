#!/usr/bin/env bash
# Install (from Debian's packages, if missing) and start the real services the shutdown/crash
# chaos tests use: a PostgreSQL server (PostgresSaver / AsyncPostgresSaver) and a redis-server
# (RedisCache), both on loopback only. Idempotent: safe to run again while they are running.
#
#   source .ci/services.sh              # in a shell: starts them and exports the URLs below
#   eval "$(bash .ci/services.sh)"      # same, from any shell (exports go to stdout)
#
#   bash .ci/services.sh stop           # stops only what a start recorded as started by it
#
# Exports CHAOS_POSTGRES_URL and CHAOS_REDIS_URL, and CHAOS_SERVICES_STARTED: the services this
# call started itself ("postgres:VERSION redis:PORT"; empty when they were already running).
# `stop` stops exactly those, so a caller never stops a server someone else runs (.ci/run calls
# it from an EXIT trap). A start that fails half way stops what it had started before exiting.
# Log lines go to stderr so stdout stays evalable.
# Needs root (apt-get, starting the servers), as on CI and the developer machines.

_chaos_services_stop() {
  local service
  for service in ${CHAOS_SERVICES_STARTED:-}; do
    case "$service" in
      postgres:*)
        echo "services: stopping PostgreSQL ${service#postgres:} (started by services.sh)" >&2
        pg_ctlcluster "${service#postgres:}" main stop >&2 || true ;;
      redis:*)
        echo "services: stopping redis-server on port ${service#redis:} (started by services.sh)" >&2
        redis-cli -h 127.0.0.1 -p "${service#redis:}" shutdown nosave >/dev/null 2>&1 || true ;;
    esac
  done
}

_chaos_services() {
  local pg_user=chaos pg_password=chaos pg_db=chaos pg_port=${CHAOS_PG_PORT:-5432}
  local redis_port=${CHAOS_REDIS_PORT:-6379}
  log() { echo "services: $*" >&2; }
  # What this call starts, so a failure below stops it again (and `stop` can later).
  CHAOS_SERVICES_STARTED=""
  trap '_chaos_services_stop' ERR

  if ! command -v pg_ctlcluster >/dev/null || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 \
     || ! command -v redis-server >/dev/null; then
    log "installing postgresql and redis-server from Debian's packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get -o DPkg::Lock::Timeout=600 update -qq >&2
    apt-get -o DPkg::Lock::Timeout=600 install -y -qq postgresql redis-server >&2
  fi

  # PostgreSQL: the distribution's cluster manager (a cluster exists after installing the package;
  # create one if a previous cleanup dropped it).
  local version
  version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
  if ! pg_lsclusters -h 2>/dev/null | awk '{print $1" "$2}' | grep -qx "$version main"; then
    log "creating PostgreSQL $version cluster 'main'"
    pg_createcluster "$version" main --port "$pg_port" >&2
  fi
  if ! pg_lsclusters -h | awk -v v="$version" '$1==v && $2=="main" {print $4}' | grep -q online; then
    log "starting PostgreSQL $version"
    pg_ctlcluster "$version" main start >&2
    CHAOS_SERVICES_STARTED="postgres:$version"
  fi
  local actual_port
  actual_port=$(pg_lsclusters -h | awk -v v="$version" '$1==v && $2=="main" {print $3}')
  local i
  for i in $(seq 1 50); do
    pg_isready -q -h 127.0.0.1 -p "$actual_port" && break
    sleep 0.2
  done
  pg_isready -h 127.0.0.1 -p "$actual_port" >&2
  runuser -u postgres -- psql -q -p "$actual_port" -v ON_ERROR_STOP=1 >&2 <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$pg_user') THEN
    CREATE ROLE $pg_user LOGIN PASSWORD '$pg_password';
  END IF;
END \$\$;
SQL
  if ! runuser -u postgres -- psql -p "$actual_port" -tAc "SELECT 1 FROM pg_database WHERE datname='$pg_db'" | grep -q 1; then
    runuser -u postgres -- createdb -p "$actual_port" -O "$pg_user" "$pg_db" >&2
  fi

  # Redis: no persistence (a cache), loopback only, daemonized.
  if ! redis-cli -h 127.0.0.1 -p "$redis_port" ping 2>/dev/null | grep -q PONG; then
    log "starting redis-server on 127.0.0.1:$redis_port"
    redis-server --bind 127.0.0.1 --port "$redis_port" --daemonize yes --save '' --appendonly no \
      --logfile /tmp/chaos-redis.log >&2
    CHAOS_SERVICES_STARTED="$CHAOS_SERVICES_STARTED redis:$redis_port"
    for i in $(seq 1 50); do
      redis-cli -h 127.0.0.1 -p "$redis_port" ping 2>/dev/null | grep -q PONG && break
      sleep 0.1
    done
  fi
  redis-cli -h 127.0.0.1 -p "$redis_port" ping >&2

  CHAOS_POSTGRES_URL="postgresql://$pg_user:$pg_password@127.0.0.1:$actual_port/$pg_db"
  CHAOS_REDIS_URL="redis://127.0.0.1:$redis_port/0"
  CHAOS_SERVICES_STARTED="${CHAOS_SERVICES_STARTED# }"
  trap - ERR
  export CHAOS_POSTGRES_URL CHAOS_REDIS_URL CHAOS_SERVICES_STARTED
  echo "export CHAOS_POSTGRES_URL='$CHAOS_POSTGRES_URL'"
  echo "export CHAOS_REDIS_URL='$CHAOS_REDIS_URL'"
  echo "export CHAOS_SERVICES_STARTED='$CHAOS_SERVICES_STARTED'"
  log "PostgreSQL at $CHAOS_POSTGRES_URL, Redis at $CHAOS_REDIS_URL"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  set -euo pipefail
  set -o errtrace  # the ERR trap (stop what was started) also fires inside functions
  if [[ "${1:-}" == "stop" ]]; then
    _chaos_services_stop
  else
    _chaos_services
  fi
else
  # Sourced: do the work in a child bash (with errexit, leaving the caller's shell options as
  # they are), then take its exports; a failure makes `source` fail.
  _chaos_exports=$(bash "${BASH_SOURCE[0]}") || return 1
  eval "$_chaos_exports"
  unset _chaos_exports
fi
