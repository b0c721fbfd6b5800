#!/usr/bin/env bash
# The whole test suite, as `make test` and CI run it.
#
# Installs the system packages the tests need (as root, when missing), starts a
# throwaway PostgreSQL and Redis on free loopback ports inside one temp folder,
# runs pytest twice (SQLite: everything not marked postgres; PostgreSQL: the
# tests marked postgres), stops both servers and deletes the folder whatever
# happens. Before the passes, ruff lints the code (pyproject.toml) and lint-imports
# checks the import contracts in .importlinter (which app may import which); a finding
# or a broken contract fails the run. Extra arguments go to both pytest runs.
set -uo pipefail

cd "$(dirname "$0")/.."
REPO=$PWD
VENV=${VENV:-$REPO/.venv}
PY=$VENV/bin/python
PYTEST=$VENV/bin/pytest
LINT_IMPORTS=$VENV/bin/lint-imports
RUFF=$VENV/bin/ruff
APT_PACKAGES=(chromium redis-server fonts-noto-core poppler-utils)

case "${CI:-}" in 1 | true | TRUE | True | yes) IN_CI=1 ;; *) IN_CI=0 ;; esac

say() { printf '==> %s\n' "$*"; }
die() {
    printf 'scripts/test.sh: %s\n' "$*" >&2
    exit 2
}
warn_or_die() { # fatal under CI, a warning otherwise
    if [ "$IN_CI" = 1 ]; then die "$* (CI=true: nothing may be skipped)"; fi
    printf 'scripts/test.sh: warning: %s; the tests that need it will be skipped\n' "$*" >&2
}

[ -x "$PYTEST" ] || die "$PYTEST is missing: run 'make install' first"
[ -x "$LINT_IMPORTS" ] || die "$LINT_IMPORTS is missing: run 'make install' first"
[ -x "$RUFF" ] || die "$RUFF is missing: run 'make install' first"

postgres_bin() {
    local dir
    for dir in /usr/lib/postgresql/15/bin $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -rV); do
        if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
            echo "$dir"
            return 0
        fi
    done
    return 1
}

# --- System packages ----------------------------------------------------------------
if [ "$(id -u)" = 0 ]; then
    wanted=("${APT_PACKAGES[@]}")
    postgres_bin >/dev/null || wanted+=(postgresql)
    if [ ! -x /usr/bin/chromium ] || ! command -v redis-server >/dev/null || ! postgres_bin >/dev/null \
        || ! command -v pdftoppm >/dev/null || ! dpkg -s fonts-noto-core >/dev/null 2>&1; then
        say "installing ${wanted[*]}"
        export DEBIAN_FRONTEND=noninteractive
        { apt-get update -q && apt-get install -y -q "${wanted[@]}"; } >"${TMPDIR:-/tmp}/healthstack-apt.log" 2>&1 \
            || { tail -20 "${TMPDIR:-/tmp}/healthstack-apt.log" >&2; warn_or_die "apt-get install failed"; }
    fi
fi
[ -x /usr/bin/chromium ] || warn_or_die "/usr/bin/chromium is missing (apt-get install chromium)"

# --- Throwaway servers --------------------------------------------------------------
WORK=$(mktemp -d "${TMPDIR:-/tmp}/healthstack-test.XXXXXX") || die "mktemp failed"
PG_BIN=""
PG_DATA=""
PG_OWNER=""
REDIS_PID=""
CLEANED=0

as_pg() { # run a PostgreSQL server command as its unprivileged owner
    if [ -n "$PG_OWNER" ]; then
        if command -v runuser >/dev/null; then
            runuser -u "$PG_OWNER" -- "$@"
        else
            su -s /bin/sh "$PG_OWNER" -c "$(printf '%q ' "$@")"
        fi
    else
        "$@"
    fi
}

cleanup() {
    [ "$CLEANED" = 1 ] && return
    CLEANED=1
    if [ -n "$PG_DATA" ] && [ -f "$PG_DATA/postmaster.pid" ]; then
        (cd "$WORK" && as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate -w stop >/dev/null 2>&1)
    fi
    if [ -n "$REDIS_PID" ] && kill -0 "$REDIS_PID" 2>/dev/null; then
        kill "$REDIS_PID" 2>/dev/null
        wait "$REDIS_PID" 2>/dev/null
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
    "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start_postgres() {
    PG_BIN=$(postgres_bin) || return 1
    if [ "$(id -u)" = 0 ]; then
        # initdb and postgres refuse to run as root.
        if ! id postgres >/dev/null 2>&1; then
            useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin postgres \
                >/dev/null 2>&1 || true
        fi
        if id postgres >/dev/null 2>&1; then PG_OWNER=postgres; else PG_OWNER=nobody; fi
        chmod 755 "$WORK"
    fi
    mkdir -p "$WORK/pg"
    [ -n "$PG_OWNER" ] && chown "$PG_OWNER" "$WORK/pg"
    chmod 700 "$WORK/pg"
    PG_DATA=$WORK/pg/data
    (cd "$WORK" && as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --auth=trust -E UTF8 --locale=C --no-sync) \
        >"$WORK/initdb.log" 2>&1 || { cat "$WORK/initdb.log" >&2; return 1; }
    local attempt
    for attempt in 1 2 3; do
        PG_PORT=$(free_port)
        if (cd "$WORK" && as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$WORK/pg/server.log" -w -t 60 \
            -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $WORK/pg -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
            start) >/dev/null 2>&1; then
            "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres healthstack || return 1
            export TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$PG_PORT/healthstack"
            return 0
        fi
    done
    tail -20 "$WORK/pg/server.log" >&2
    return 1
}

start_redis() {
    command -v redis-server >/dev/null || return 1
    mkdir -p "$WORK/redis"
    local attempt port i
    for attempt in 1 2 3; do
        port=$(free_port)
        redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$WORK/redis" \
            --daemonize no --logfile "$WORK/redis/redis.log" &
        REDIS_PID=$!
        for i in $(seq 50); do
            if "$PY" -c "import socket,sys; s=socket.create_connection(('127.0.0.1',$port),1); s.sendall(b'PING\r\n'); sys.exit(s.recv(7)!=b'+PONG\r\n')" 2>/dev/null; then
                export TEST_REDIS_URL="redis://127.0.0.1:$port/0"
                return 0
            fi
            kill -0 "$REDIS_PID" 2>/dev/null || break
            sleep 0.1
        done
        kill "$REDIS_PID" 2>/dev/null
        wait "$REDIS_PID" 2>/dev/null
        REDIS_PID=""
    done
    return 1
}

if start_postgres; then say "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') at $TEST_POSTGRES_URL"; else
    warn_or_die "could not start PostgreSQL"
fi
if start_redis; then say "Redis at $TEST_REDIS_URL"; else warn_or_die "could not start redis-server"; fi

# --- The import contracts and the two passes ------------------------------------------
START=$(date +%s)
say "lint: ruff check (pyproject.toml)"
"$RUFF" check --no-cache .
RC_RUFF=$?
say "import contracts: lint-imports (.importlinter)"
"$LINT_IMPORTS" --no-cache
RC_LINT=$?
say "pass 1: SQLite, pytest -m 'not postgres' $*"
env -u DATABASE_URL "$PYTEST" -m "not postgres" --junitxml="$WORK/pass1.xml" "$@"
RC1=$?
if [ $RC1 = 2 ]; then
    say "pass 1 was interrupted; no pass 2"
    RC2=2
else
    say "pass 2: PostgreSQL, pytest -m postgres $*"
    if [ -n "${TEST_POSTGRES_URL:-}" ]; then
        DATABASE_URL=$TEST_POSTGRES_URL "$PYTEST" -m postgres --junitxml="$WORK/pass2.xml" "$@"
    else
        env -u DATABASE_URL "$PYTEST" -m postgres --junitxml="$WORK/pass2.xml" "$@"
    fi
    RC2=$?
fi

RAW_CODES="$RC1/$RC2"
STATUS=0
NOTES=()
if [ $RC_RUFF != 0 ]; then
    STATUS=1
    NOTES+=("ruff check exited $RC_RUFF: see its report above ('.venv/bin/ruff check --fix .' mends some)")
fi
if [ $RC_LINT != 0 ]; then
    STATUS=1
    NOTES+=("lint-imports exited $RC_LINT: an import breaks a contract in .importlinter (see its report above)")
fi
case $RC1 in
    0) ;;
    5) if [ $# -eq 0 ]; then STATUS=1; NOTES+=("pass 1 collected no tests"); RC1=1; fi ;;
    *) STATUS=1; NOTES+=("pass 1 (SQLite) exited $RC1") ;;
esac
case $RC2 in
    0) ;;
    5) if [ "$IN_CI" = 1 ]; then STATUS=1; NOTES+=("pass 2 collected no postgres tests"); RC2=1; fi ;;
    *) STATUS=1; NOTES+=("pass 2 (PostgreSQL) exited $RC2") ;;
esac

COUNTS=$("$PY" - "$WORK/pass1.xml" "$RC1" "$WORK/pass2.xml" "$RC2" <<'EOF'
import sys
import xml.etree.ElementTree as ET

passed = failed = skipped = 0
for path, rc in zip(sys.argv[1::2], sys.argv[2::2]):
    try:
        suites = list(ET.parse(path).getroot().iter("testsuite"))
    except (OSError, ET.ParseError):
        suites = []
    # A pass that crashed before reporting (import error, bad option) counts as one failure.
    if rc not in ("0", "5") and not any(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites):
        failed += 1
    for suite in suites:
        tests, skips = int(suite.get("tests", 0)), int(suite.get("skipped", 0))
        fails = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
        passed += tests - skips - fails
        failed += fails
        skipped += skips
print(f"{passed} passed, {failed} failed, {skipped} skipped")
EOF
)
ELAPSED=$(($(date +%s) - START))

cleanup
for note in "${NOTES[@]+"${NOTES[@]}"}"; do printf 'FAILED: %s\n' "$note"; done
printf 'make test (%ss, pytest exit codes %s, ruff %s, lint-imports %s)\n' "$ELAPSED" "$RAW_CODES" "$RC_RUFF" "$RC_LINT"
printf 'TOTAL: %s\n' "$COUNTS"
exit $STATUS
