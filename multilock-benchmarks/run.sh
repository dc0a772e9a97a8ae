#!/usr/bin/env bash
# Runs the multilock JMH suite and turns its JSON into a Markdown table and a chart.
#
#   multilock-benchmarks/run.sh [PROFILE]     (default: quick)
#   multilock-benchmarks/run.sh report DIR    (redo the report of a finished run)
#
# Durations are for an otherwise idle 2-core machine.
# quick:    one fork, short iterations, threads 1 2 4                       (~10 min)
# full:     three forks, longer iterations, threads 1 2 4 8                 (~1.5 h; quiet machine)
# keyed:    KeyedBenchmark alone (keyed locks), two forks                   (~14 min; quiet machine)
# headline: only the rows that decide the targets of issues 9, 11 and 12, in 3 rounds of one
#           fork each; ratios per round, spread in the tables and the chart  (~26 min; quiet)
# spins:    ContentionBenchmark for lock() (MULTILOCK_LOCK) at each spin count of SPIN_COUNTS
#           (default 0 16 64 128 256 1024), 2 threads 90:10 and 4 threads 50:50, and
#           VirtualThreadBenchmark where a JDK 21+ is at hand; 3 rounds        (~9 min; 6 without)
# vthreads: VirtualThreadBenchmark on $JAVA_HOME/bin/java (JDK 21+), 3 rounds (~2 min)
# jfr:      UncontendedBenchmark's multilock rows with and without a JFR recording, 3 rounds,
#           reported as with/without ratios (issue 11)                      (~10 min)
# warmup:   UncontendedBenchmark with no warm-up: every iteration of every fork, with -prof gc,
#           with a fixed pre-touched heap, and a -XX:+PrintCompilation/PrintInlining log
#           (issue 12, part 3)                                               (~7 min)
# postgres: multilock-postgres against plain JDBC advisory locks (issue 10) on a throwaway
#           PostgreSQL server that this script starts and deletes: PostgresBenchmark (hand-off
#           inside one process, 4 threads; uncontended fresh key, waiting and not) and
#           CrossProcessHandoff (2 JVMs on one key, 1 and 4 threads each), in 3 rounds of one
#           fork each; ratios per round                                      (~7 min)
#           Needs the server programs (initdb, pg_ctl, postgres): apt-get install postgresql.
# distributed: multilock-postgres against Redisson's RReadWriteLock (Redis) and Curator's
#           InterProcessReadWriteLock (ZooKeeper), issue 13: DistributedScenarios, six
#           scenarios (uncontended, throughput, hand-off, a writer among readers, a holder
#           killed, a holder stalled past its lease), 2 to 4 client JVMs each, on throwaway
#           PostgreSQL, Redis and ZooKeeper servers that this script starts and deletes; in 3
#           rounds; ratios per round                                         (~10 min)
#           Needs the PostgreSQL server programs; installs redis-server (apt-get) if missing.
# smoke:    every benchmark and contender once, one fork, tiny iterations, one point per
#           parameter; fails on any benchmark error; VirtualThreadBenchmark only when $JAVA is
#           a JDK 21+; the PostgreSQL benchmarks on a throwaway server (about 30 s of it, so
#           it needs the server programs too); every distributed scenario and contender once,
#           with 0.3 s windows, a 2 s lease and a 3 s stall (about 75 s, with Redis and
#           ZooKeeper). For CI: under 4 minutes on 2 cores.
#
# quick and full write results/<UTC time>-<profile>/, copy it to results/latest/ and copy its
# tables into README.md (between the "run.sh: latest results" markers); keyed does the same
# with results/latest-keyed/ and the "run.sh: keyed results" markers, and headline with
# results/latest-headline/, the "run.sh: headline results" markers of README.md, and its targets
# and chart into the top-level README.md (same markers); headline also keeps the run it replaces
# as baseline.json and reports every row worse than there by more than its spread. spins, vthreads, jfr and warmup write
# results/<UTC time>-<profile>/ only. smoke writes target/smoke/. Each run directory holds one
# JMH JSON file per JMH invocation, results.json (all of them merged), results.md,
# throughput-vs-threads.png, machine.txt and the JMH logs. postgres writes results/<UTC time>-
# postgres/ with postgres.md (its tables), copies it to results/latest-postgres/ and its tables
# into README.md (the "run.sh: postgres results" markers); smoke writes postgres.md too.
# distributed writes results/<UTC time>-distributed/ with one JSON and log per run,
# distributed.md and distributed.png, copies it to results/latest-distributed/, its tables into
# README.md and its targets, chart and scenario-6 table into the top-level README.md (both
# between the "run.sh: distributed results" markers); smoke writes distributed.md too.
#
# The PostgreSQL server (profiles postgres and smoke): initdb into a new directory under
# ${TMPDIR:-/tmp} (run as the OS user postgres when this script runs as root: the server refuses
# root), trust authentication, listening on 127.0.0.1 only, on a port free a moment before, its
# unix socket in that directory; fsync, synchronous_commit and full_page_writes off (the
# benchmarks measure locks, not the disk: on a durable server multilock's committed statements,
# the fencing-token reservation of a server acquisition and the NOTIFY of a release, each wait
# for a WAL flush as well; PG_DURABLE=1 keeps the server's defaults to measure that). Its JDBC
# URL reaches the benchmarks as -Dmultilock.benchmarks.pg.url (JMH: -jvmArgsAppend). It is
# stopped and its directory deleted when the script exits, however it exits (trap on EXIT).
#
# Redis and ZooKeeper (profiles distributed and smoke), started and deleted the same way: Debian's
# redis-server (installed with apt-get when missing) on 127.0.0.1 and a free port, without
# persistence (--save '' --appendonly no); ZooKeeper as curator-test's TestingServer in a JVM of
# its own (ZkServer), 127.0.0.1 and a free port, tick 500 ms, without fsync (forceSync=no): all
# three servers without durability, so the comparison measures the locks.
#
# Environment: JAVA (default: java), JAVA_HOME (the JDK 21+ of the virtual-thread rows of
# vthreads, headline and spins; else JAVA), VJAVA (overrides that java), THREADS (thread counts
# for scenarios 2 and 3, e.g. "1 2 4 8 16"), ROUNDS (rounds of headline, spins, vthreads and jfr;
# default 3), SPIN_COUNTS, JMH_EXTRA (extra JMH arguments for every invocation, e.g.
# "-p contender=MULTILOCK,RRWL_NONFAIR"), TIMINGS (replaces the profile's -f -wi -w -i -r, e.g.
# "-f 1 -wi 1 -w 100ms -i 1 -r 100ms" to try a profile end to end in a few minutes; such
# numbers mean nothing), MVN_FLAGS (extra Maven flags, e.g. -o), PG_DURABLE=1 (postgres, smoke:
# the server with fsync and synchronous_commit on), CROSS_WARMUP and CROSS_SECONDS (postgres:
# warm-up and measured seconds of each cross-process run, default 2 and 5), CROSS_THREADS
# (postgres: threads per process, default "1 4"). TIMINGS and the CROSS_ variables set, postgres
# copies nothing to results/latest-postgres or README.md. distributed and smoke: DIST_WARMUP and
# DIST_SECONDS (warm-up and measured seconds of each window of scenarios 1 to 3; default 1 and 2,
# smoke 0.2 and 0.3), DIST_FAIR_SECONDS (scenario 4's window; 6, smoke 0.6), DIST_LEASE_MS
# (Redisson's lockWatchdogTimeout and Curator's session timeout; 10000, smoke 2000), DIST_STALL
# (scenario 6's SIGSTOP, seconds; 15, smoke 3), DIST_CONTENDERS (default "MULTILOCK REDISSON
# CURATOR"). Any of these or TIMINGS set, distributed copies nothing to results/latest-distributed
# or the READMEs.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(dirname "$HERE")"
JAR="$HERE/target/benchmarks.jar"
JAVA="${JAVA:-java}"
PROFILE="${1:-quick}"
README_ARGS=()
REPORT_ARGS=()
HARNESS_JVM=()
DIST_EXTRA=()
ROUNDS="${ROUNDS:-3}"

# The feature version of a java command (17, 21, 25...), or 0 if it does not run.
java_feature() {
    local v
    v="$("$1" -XshowSettings:properties -version 2>&1 \
        | awk -F' = ' '/java.specification.version/ {print $2; exit}')"
    v="${v#1.}"
    echo "${v%%.*}" | grep -E '^[0-9]+$' || echo 0
}

# The java for virtual threads: VJAVA, else $JAVA_HOME/bin/java, else JAVA.
VJAVA="${VJAVA:-${JAVA_HOME:+$JAVA_HOME/bin/java}}"
VJAVA="${VJAVA:-$JAVA}"

build_if_needed() {
    local stale=""
    if [[ ! -f "$JAR" ]]; then
        stale="no $JAR"
    else
        stale="$(find "$ROOT/pom.xml" "$ROOT"/multilock-api "$ROOT"/multilock-lockfree \
            "$ROOT"/multilock-postgres "$HERE" \
            \( -name target -o -name results \) -prune -o \
            \( -name '*.java' -o -name 'pom.xml' -o -path '*/src/main/resources/*' \) \
            -type f -newer "$JAR" -print -quit)"
    fi
    if [[ -n "$stale" ]]; then
        echo "run.sh: building benchmarks.jar ($stale)"
        (cd "$ROOT" && mvn -B -q ${MVN_FLAGS:-} -DskipTests package -pl multilock-benchmarks -am)
    fi
}

report() {
    local dir="$1" title="$2"
    # The benchmarks that failed (JMH leaves them out of its JSON), with their exceptions.
    awk '/^# Benchmark: /{b=$3} /^# Parameters: /{p=substr($0, 15)}
         /<failure>/{print b " " p; n=2; next}
         n>0 && /(Exception|Error)/{print "    " $0; n--}' "$dir"/jmh-*.log \
        > "$dir/failures.txt" 2>/dev/null || true
    # A previous run to compare every row with (headline keeps the one it replaces).
    local base=()
    if [[ -f "$dir/baseline.json" ]]; then
        base=(--baseline "$dir/baseline.json" --baseline-name
            "$(cat "$dir/baseline.txt" 2>/dev/null || echo "the previous run")")
    fi
    "$JAVA" -cp "$JAR" dev.multilock.benchmarks.report.Report --out "$dir" --title "$title" \
        --machine "$dir/machine.txt" --failures "$dir/failures.txt" \
        ${REPORT_ARGS[@]+"${REPORT_ARGS[@]}"} ${README_ARGS[@]+"${README_ARGS[@]}"} \
        ${base[@]+"${base[@]}"} "$dir"/jmh-*.json
}

if [[ "$PROFILE" == "report" ]]; then
    dir="${2:?usage: run.sh report DIR}"
    build_if_needed
    case "$(basename "$dir")" in
        # runs made of rounds: join each point's forks across the rounds' files
        *-headline | latest-headline) REPORT_ARGS=(--rounds --issues 9,11,12) ;;
        *-spins | *-jfr | *-warmup) REPORT_ARGS=(--rounds --issues none) ;;
        *-vthreads) REPORT_ARGS=(--rounds --issues 11) ;;
    esac
    report "$dir" "multilock benchmarks: $(basename "$dir")"
    exit 0
fi

case "$PROFILE" in
    smoke)
        ITER=(-f 1 -wi 1 -w 100ms -i 1 -r 100ms -to 30s -foe true)
        THREADS="${THREADS:-2}"
        MIXES="90:10"
        LIMIT=150
        OUT="$HERE/target/smoke/$(date -u +%Y%m%d-%H%M%S)"
        ;;
    quick)
        ITER=(-f 1 -wi 2 -w 1s -i 3 -r 1s -to 60s)
        THREADS="${THREADS:-1 2 4}"
        MIXES="100:0,90:10,50:50"
        LIMIT=2400
        OUT="$HERE/results/$(date -u +%Y%m%d-%H%M%S)-quick"
        ;;
    full)
        ITER=(-f 3 -wi 5 -w 1s -i 5 -r 2s -to 120s)
        THREADS="${THREADS:-1 2 4 8}"
        MIXES="100:0,90:10,50:50"
        LIMIT=14400
        OUT="$HERE/results/$(date -u +%Y%m%d-%H%M%S)-full"
        ;;
    keyed)
        # 40 benchmark points x 2 forks x (3 + 5 s, plus the fork's start): about 14 min.
        ITER=(-f 2 -wi 3 -w 1s -i 5 -r 1s -to 60s)
        LIMIT=3600
        OUT="$HERE/results/$(date -u +%Y%m%d-%H%M%S)-keyed"
        ;;
    headline)
        # Per round: 84 benchmark points of one fork; timings set per group below. About 9
        # minutes a round, 26 for three.
        ITER=(-f 1 -to 60s)
        LIMIT=1800
        REPORT_ARGS=(--rounds --issues 9,11,12)
        OUT="$HERE/results/$(date -u +%Y%m%d-%H%M%S)-headline"
        ;;
    spins)
        # Per round: 2 points x 6 spin counts + 4 peer points of 7.5 s, and with a JDK 21+
        # 6 + 2 virtual-thread points of 6.5 s: about 3 minutes a round.
        ITER=(-f 1 -wi 2 -w 1s -i 4 -r 1s -to 60s)
        SPIN_COUNTS="${SPIN_COUNTS:-0 16 64 128 256 1024}"
        LIMIT=1800
        REPORT_ARGS=(--rounds --issues none)
        OUT="$HERE/results/$(date -u +%Y%m%d-%H%M%S)-spins"
        ;;
    vthreads)
        # Per round: 4 points of 9.5 s: about 40 s a round.
        ITER=(-f 1 -wi 3 -w 1s -i 5 -r 1s -to 60s)
        LIMIT=600
        REPORT_ARGS=(--rounds --issues 11)
        OUT="$HERE/results/$(date -u +%Y%m%d-%H%M%S)-vthreads"
        ;;
    jfr)
        # Per round: 10 points without and 10 with a recording, about 10 s each: 3.5 minutes.
        ITER=(-f 1 -wi 3 -w 1s -i 5 -r 1s -to 60s)
        LIMIT=1200
        REPORT_ARGS=(--rounds --issues none)
        OUT="$HERE/results/$(date -u +%Y%m%d-%H%M%S)-jfr"
        ;;
    postgres)
        # Per round: 8 PostgresBenchmark points of one fork (3 + 5 s, and about 2 s to start a
        # fork, open the pools and check the server after it) and 4 cross-process runs (2 + 5 s,
        # and about 3 s to start both JVMs and merge their records): about 2.3 minutes a round.
        ITER=(-f 1 -wi 3 -w 1s -i 5 -r 1s -to 60s)
        LIMIT=1800
        OUT="$HERE/results/$(date -u +%Y%m%d-%H%M%S)-postgres"
        ;;
    distributed)
        # Per round, for each of 3 contenders: 6 runs of 2 to 4 client JVMs; windows of 2 s
        # after 1 s of warm-up (4 in throughput), the fairness run 6 s, the kill run the peers'
        # lease (10 s), the stall run 15 s and 3 s of watching: about 3.3 minutes a round, 10
        # for three (measured: 9 min 58 s).
        ITER=(-f 1)
        LIMIT=900
        OUT="$HERE/results/$(date -u +%Y%m%d-%H%M%S)-distributed"
        ;;
    warmup)
        # 10 + 4 points of two forks and 8 of one, 10 iterations of 1 s each: about 7 minutes.
        ITER=(-wi 0 -i 10 -r 1s -to 60s)
        LIMIT=1200
        REPORT_ARGS=(--issues none)
        OUT="$HERE/results/$(date -u +%Y%m%d-%H%M%S)-warmup"
        ;;
    *)
        echo "usage: $0 [smoke|quick|full|keyed|headline|spins|vthreads|jfr|warmup|postgres" \
            "|distributed]" \
            "| $0 report DIR" >&2
        exit 2
        ;;
esac

# The virtual-thread rows need a JDK 21+: smoke runs them only on its own java (CI's is 17),
# vthreads fails without one, headline and spins leave them out and say so.
VFEATURE=0
case "$PROFILE" in
    smoke)
        VJAVA="$JAVA"
        VFEATURE="$(java_feature "$VJAVA")"
        ;;
    vthreads | headline | spins)
        VFEATURE="$(java_feature "$VJAVA")"
        ;;
esac
if [[ "$PROFILE" == vthreads && "$VFEATURE" -lt 21 ]]; then
    echo "run.sh: vthreads needs a JDK 21 or newer; $VJAVA is ${VFEATURE}. Set JAVA_HOME," \
        "e.g. JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64 $0 vthreads" >&2
    exit 2
fi

# ---- PostgreSQL: the throwaway server of the PostgreSQL benchmarks (see the top) ----
PG_PROPERTY=multilock.benchmarks.pg.url
PG_BIN=""
PG_DIR=""
PG_URL=""

# The directory of initdb, pg_ctl and postgres: PATH, pg_config --bindir, then Debian's
# /usr/lib/postgresql/<major>/bin (off PATH), newest first. Fails if none has all three.
pg_bindir() {
    local d candidates=()
    if command -v initdb >/dev/null 2>&1; then
        candidates+=("$(dirname "$(command -v initdb)")")
    fi
    if command -v pg_config >/dev/null 2>&1; then
        candidates+=("$(pg_config --bindir 2>/dev/null || true)")
    fi
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k4,4 -rn); do
        candidates+=("$d")
    done
    for d in ${candidates[@]+"${candidates[@]}"}; do
        if [[ -x "$d/initdb" && -x "$d/pg_ctl" && -x "$d/postgres" ]]; then
            echo "$d"
            return 0
        fi
    done
    return 1
}

# Runs a server program as the cluster's owner: the OS user postgres when this runs as root.
pg_as_owner() {
    if [[ "$(id -u)" -eq 0 ]]; then
        if command -v runuser >/dev/null 2>&1; then
            runuser -u postgres -- "$@"
        else
            su postgres -s /bin/sh -c "$(printf "'%s' " "$@")"
        fi
    else
        "$@"
    fi
}

# A TCP port that no socket of this machine uses now (pg_start retries if one takes it first).
pg_free_port() {
    local port i
    for i in $(seq 1 100); do
        port=$((20000 + RANDOM % 40000))
        if ! grep -qi ":$(printf '%04X' "$port") " /proc/net/tcp /proc/net/tcp6 2>/dev/null; then
            break
        fi
    done
    echo "$port"
}

# Stops the server and deletes its directory; does nothing if there is none. The EXIT trap.
pg_stop() {
    if [[ -n "$PG_DIR" && -d "$PG_DIR" ]]; then
        if [[ -f "$PG_DIR/data/postmaster.pid" ]]; then
            pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w -t 20 stop \
                >/dev/null 2>&1 || echo "run.sh: pg_ctl stop failed for $PG_DIR" >&2
        fi
        rm -rf "$PG_DIR"
        echo "run.sh: PostgreSQL stopped, $PG_DIR deleted"
    fi
    PG_DIR=""
    PG_URL=""
}

# Stops and deletes the servers of earlier runs that were killed (SIGKILL runs no trap): each
# directory names the run.sh that made it; one whose run.sh is gone is left over.
pg_reap() {
    local dir owner
    for dir in "${TMPDIR:-/tmp}"/multilock-bench-pg-*; do
        [[ -f "$dir/owner" ]] || continue
        owner="$(cat "$dir/owner")"
        if [[ "$owner" =~ ^[0-9]+$ ]] && ! kill -0 "$owner" 2>/dev/null; then
            PG_DIR="$dir" pg_stop
        fi
    done
}

# Creates and starts the server; sets PG_URL and adds the server to machine.txt.
pg_start() {
    local port attempt settings
    pg_reap
    PG_DIR="$(mktemp -d "${TMPDIR:-/tmp}/multilock-bench-pg-XXXXXX")"
    servers_trap
    echo "$$" > "$PG_DIR/owner"
    if [[ "$(id -u)" -eq 0 ]]; then
        chown postgres "$PG_DIR"
    fi
    pg_as_owner "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -U postgres --no-sync -E UTF8 \
        --locale=C > "$PG_DIR/initdb.log" 2>&1 || {
        echo "run.sh: initdb failed:" >&2
        tail -n 20 "$PG_DIR/initdb.log" >&2
        exit 3
    }
    settings="listen_addresses = '127.0.0.1'
unix_socket_directories = '$PG_DIR'
max_connections = 100"
    if [[ "${PG_DURABLE:-0}" != 1 ]]; then
        settings="$settings
fsync = off
synchronous_commit = off
full_page_writes = off"
    fi
    printf '\n# multilock benchmarks (run.sh)\n%s\n' "$settings" >> "$PG_DIR/data/postgresql.conf"
    for attempt in 1 2 3 4 5; do
        port="$(pg_free_port)"
        if pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 30 \
            -o "-p $port" start > /dev/null 2>&1; then
            PG_URL="jdbc:postgresql://127.0.0.1:$port/postgres?user=postgres"
            {
                echo "PostgreSQL: $("$PG_BIN/postgres" --version)," \
                    "$(dirname "$(readlink -f "$PG_BIN/postgres")"), 127.0.0.1:$port"
                echo "PostgreSQL settings: $(echo "$settings" | tr '\n' ';' | sed 's/;/; /g')"
            } >> "$OUT/machine.txt"
            echo "run.sh: PostgreSQL on 127.0.0.1:$port, data in $PG_DIR"
            return 0
        fi
        if ! grep -qE 'could not bind|Address already in use' "$PG_DIR/server.log" 2>/dev/null \
            || [[ "$attempt" == 5 ]]; then
            echo "run.sh: PostgreSQL did not start on 127.0.0.1:$port; server log:" >&2
            tail -n 20 "$PG_DIR/server.log" >&2 || true
            exit 3
        fi
    done
}

# ---- Redis and ZooKeeper: the servers of the distributed-lock comparison (see the top) ----
REDIS_DIR=""
REDIS_PID=""
REDIS_ADDR=""
ZK_DIR=""
ZK_PID=""
ZK_CONNECT=""

# The EXIT trap of every profile that starts a server: stops all of them, whichever started.
servers_stop() {
    zk_stop
    redis_stop
    pg_stop
}
servers_trap() {
    trap servers_stop EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

# Installs Debian's redis-server when it is missing (as root, or through sudo).
redis_install() {
    command -v redis-server >/dev/null 2>&1 && return 0
    local sudo=""
    [[ "$(id -u)" -eq 0 ]] || sudo="sudo "
    echo "run.sh: redis-server not found; running: ${sudo}apt-get install -y redis-server"
    ${sudo}env DEBIAN_FRONTEND=noninteractive apt-get install -y redis-server >/dev/null || {
        ${sudo}apt-get update >/dev/null &&
            ${sudo}env DEBIAN_FRONTEND=noninteractive apt-get install -y redis-server \
                >/dev/null
    } || {
        echo "run.sh: could not install redis-server; install it: apt-get install redis-server" >&2
        exit 3
    }
}

# Waits until FILE contains PATTERN while PID lives; fails after SECONDS.
await_log() {
    local file="$1" pattern="$2" pid="$3" seconds="$4" i
    for i in $(seq 1 $((seconds * 10))); do
        grep -q "$pattern" "$file" 2>/dev/null && return 0
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

# Starts a throwaway server on a port free a moment before, and on another when a process takes
# that port first: NAME LOG READY PIDVAR START. START is a function that gets the port and starts
# the server in the background, its output in LOG; the server is ready once LOG matches READY.
# Sets the variable named PIDVAR to the server's pid at once (so the EXIT trap stops it whatever
# happens next) and SERVER_PORT to its port; exits 3 if it does not start.
port_server_start() {
    local name="$1" log="$2" ready="$3" pidvar="$4" start="$5" attempt pid
    for attempt in 1 2 3 4 5; do
        SERVER_PORT="$(pg_free_port)"
        "$start" "$SERVER_PORT"
        pid=$!
        printf -v "$pidvar" '%s' "$pid"
        if await_log "$log" "$ready" "$pid" 60; then
            return 0
        fi
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        printf -v "$pidvar" '%s' ""
        if ! grep -q 'Address already in use' "$log" || [[ "$attempt" == 5 ]]; then
            echo "run.sh: $name did not start on 127.0.0.1:$SERVER_PORT; its log:" >&2
            tail -n 20 "$log" >&2 || true
            exit 3
        fi
    done
}

# Stops a server that port_server_start started and deletes its directory: NAME PID DIR.
port_server_stop() {
    if [[ -n "$2" ]]; then
        kill "$2" 2>/dev/null || true
        wait "$2" 2>/dev/null || true
        echo "run.sh: $1 stopped"
    fi
    if [[ -n "$3" ]]; then
        rm -rf "$3"
    fi
}

# A throwaway Redis: no persistence, 127.0.0.1 on a free port, its directory under TMPDIR. Not
# the system service: its own process, killed by the EXIT trap.
redis_run() {
    redis-server --port "$1" --bind 127.0.0.1 --save '' --appendonly no --daemonize no \
        --dir "$REDIS_DIR" > "$REDIS_DIR/server.log" 2>&1 &
}
redis_start() {
    redis_install
    REDIS_DIR="$(mktemp -d "${TMPDIR:-/tmp}/multilock-bench-redis-XXXXXX")"
    servers_trap
    port_server_start Redis "$REDIS_DIR/server.log" 'Ready to accept connections' REDIS_PID \
        redis_run
    REDIS_ADDR="redis://127.0.0.1:$SERVER_PORT"
    echo "Redis: $(redis-server --version), 127.0.0.1:$SERVER_PORT, no persistence" \
        >> "$OUT/machine.txt"
    echo "run.sh: Redis on 127.0.0.1:$SERVER_PORT, directory $REDIS_DIR"
}
redis_stop() {
    port_server_stop Redis "$REDIS_PID" "$REDIS_DIR"
    REDIS_PID=""
    REDIS_DIR=""
}

# A throwaway ZooKeeper: curator-test's TestingServer in a JVM of its own (ZkServer), on
# 127.0.0.1 and a free port, tick 500 ms (so it grants session timeouts of 1 to 10 s), without
# fsync of its transaction log (zookeeper.forceSync=no), as the PostgreSQL server runs without
# fsync and Redis without persistence: the comparison measures locks, not disks.
zk_run() {
    "$JAVA" -XX:+UseSerialGC -Xmx256m -Dzookeeper.admin.enableServer=false \
        -Dzookeeper.forceSync=no -cp "$JAR" "$B.ZkServer" "$1" "$ZK_DIR/data" 500 \
        > "$ZK_DIR/server.log" 2>&1 &
}
zk_start() {
    ZK_DIR="$(mktemp -d "${TMPDIR:-/tmp}/multilock-bench-zk-XXXXXX")"
    servers_trap
    port_server_start ZooKeeper "$ZK_DIR/server.log" '^ZK READY' ZK_PID zk_run
    ZK_CONNECT="$(awk '/^ZK READY/ {print $3; exit}' "$ZK_DIR/server.log")"
    echo "ZooKeeper: $(awk '/^ZK READY/ {print $4; exit}' "$ZK_DIR/server.log")" \
        "(curator-test TestingServer, tick 500 ms, forceSync=no), $ZK_CONNECT" \
        >> "$OUT/machine.txt"
    echo "run.sh: ZooKeeper on $ZK_CONNECT, data in $ZK_DIR"
}
zk_stop() {
    port_server_stop ZooKeeper "$ZK_PID" "$ZK_DIR"
    ZK_PID=""
    ZK_DIR=""
}

if [[ "$PROFILE" =~ ^(postgres|smoke|distributed)$ ]]; then
    PG_BIN="$(pg_bindir)" || {
        echo "run.sh: $PROFILE starts a throwaway PostgreSQL server, and its programs (initdb," \
            "pg_ctl, postgres) are not on PATH, in pg_config --bindir or in" \
            "/usr/lib/postgresql/*/bin; install them: apt-get install postgresql" >&2
        exit 3
    }
fi

build_if_needed
mkdir -p "$OUT"
{
    echo "profile: $PROFILE ($(date -u '+%Y-%m-%d %H:%M UTC'))"
    echo "JMH: ${ITER[*]} ${JMH_EXTRA:-}"
    if [[ -n "${TIMINGS:-}" ]]; then
        echo "TIMINGS: $TIMINGS (in place of the profile's: a trial, not a measurement)"
    fi
    echo "nproc: $(nproc)"
    echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo n/a)"
    echo "commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo n/a)$(
        git -C "$ROOT" diff --quiet HEAD 2>/dev/null || echo ' (with local changes)')"
    "$JAVA" -version 2>&1
    if [[ "$VFEATURE" -ge 21 && "$VJAVA" != "$JAVA" ]]; then
        echo "virtual-thread rows on $VJAVA:"
        "$VJAVA" -version 2>&1
    elif [[ "$PROFILE" =~ ^(headline|spins|smoke)$ && "$VFEATURE" -lt 21 ]]; then
        echo "virtual-thread rows: not run ($VJAVA is JDK $VFEATURE; they need 21+)"
    fi
    lscpu 2>/dev/null | head -n 15 || true
} > "$OUT/machine.txt"

# One JMH invocation: a name for its files, then the JMH arguments. Bounded by `timeout`,
# which signals the whole process group, forked benchmark JVMs included.
# JMH_JAVA, if set, is the java to run it with (the virtual-thread rows). TIMINGS, if set,
# replaces the profile's -f -wi -w -i -r (to try a profile's pipeline in a minute).
jmh() {
    local name="$1"
    shift
    local iter=("${ITER[@]}") a skip=0
    if [[ -n "${TIMINGS:-}" ]]; then
        iter=()
        for a in "${ITER[@]}"; do
            if ((skip)); then
                skip=0
                continue
            fi
            case "$a" in
                -f | -wi | -w | -i | -r) skip=1 ;;
                *) iter+=("$a") ;;
            esac
        done
        read -r -a a <<< "$TIMINGS"
        iter+=("${a[@]}")
    fi
    echo "run.sh: $name: $*"
    timeout -k 20 "$LIMIT" "${JMH_JAVA:-$JAVA}" -jar "$JAR" "$@" "${iter[@]}" ${JMH_EXTRA:-} \
        -rf json -rff "$OUT/jmh-$name.json" > "$OUT/jmh-$name.log" 2>&1 || {
        rc=$?
        echo "run.sh: $name failed (exit $rc); see $OUT/jmh-$name.log" >&2
        tail -n 30 "$OUT/jmh-$name.log" >&2
        return "$rc"
    }
    grep -E '^(Benchmark|[A-Za-z]+Benchmark\.)' "$OUT/jmh-$name.log" || true
}

B=dev.multilock.benchmarks
status=0

# The virtual-thread scenario, on a JDK 21+ (VJAVA); a note where there is none.
vthreads() {
    local name="$1"
    shift
    if [[ "$VFEATURE" -ge 21 ]]; then
        JMH_JAVA="$VJAVA" jmh "$name" "$B.VirtualThreadBenchmark" "$@"
    else
        local how="set JAVA_HOME to a JDK 21+ to run it"
        [[ "$PROFILE" == smoke ]] && how="smoke runs it when JAVA is a JDK 21+"
        echo "run.sh: $name skipped: virtual threads need a JDK 21+, and $VJAVA is" \
            "JDK $VFEATURE ($how)"
    fi
}

# The rows that decide the targets of issues 9, 11 and 12, one fork each; run once per round.
headline_round() {
    local k="$1"
    # Uncontended (issues 11 and 12): 4 s of warm-up, past the slow first seconds (issue 12.3).
    ITER=(-f 1 -wi 4 -w 1s -i 3 -r 1s -to 60s)
    jmh "uncontended-r$k" "$B.UncontendedBenchmark" -t 1 \
        -p contender=MULTILOCK,RRWL_NONFAIR || status=1
    jmh "uncontended-lock-r$k" "$B.UncontendedBenchmark\.acquire" -t 1 \
        -p contender=MULTILOCK_LOCK || status=1
    # lock() at 2 threads, 90:10 (issue 11): more iterations, the row is noisy.
    ITER=(-f 1 -wi 2 -w 1s -i 5 -r 1s -to 60s)
    jmh "contention-r$k" "$B.ContentionBenchmark" -t 2 -p mix=90:10 \
        -p contender=MULTILOCK_LOCK,RRWL_NONFAIR,RRWL_FAIR || status=1
    # 1,000 virtual threads (issue 11).
    ITER=(-f 1 -wi 2 -w 1s -i 3 -r 1s -to 60s)
    vthreads "vthreads-r$k" -p contender=MULTILOCK_LOCK,RRWL_NONFAIR || status=1
    # Scenario 3 against async-util and a do-nothing lock at every point (issue 12).
    ITER=(-f 1 -wi 2 -w 1s -i 2 -r 1s -to 60s)
    jmh "async-r$k" "$B.AsyncThroughputBenchmark" -p contender=MULTILOCK,ASYNCUTIL,NOOP \
        -p pool=1,2,4 -p mix=100:0,90:10,50:50 -p batch=1,100 || status=1
    # Keyed locks (issue 9): fresh key against async-util and the plain lock; contention.
    jmh "keyed-fresh-r$k" "$B.KeyedBenchmark\.freshKey" -p contender=MULTILOCK,ASYNCUTIL \
        || status=1
    jmh "keyed-plain-r$k" "$B.KeyedBenchmark\.plainLock" -p contender=MULTILOCK || status=1
    jmh "keyed-contended-r$k" "$B.KeyedBenchmark\.contended" -p keys=16,1024 \
        -p contender=MULTILOCK,GUAVA_STRIPED,ASYNCUTIL || status=1
}

case "$PROFILE" in
    headline)
        for k in $(seq 1 "$ROUNDS"); do
            headline_round "$k"
        done
        ;;
    spins)
        for k in $(seq 1 "$ROUNDS"); do
            for n in $SPIN_COUNTS; do
                spins=(-jvmArgsAppend "-Dmultilock.lockfree.spins=$n")
                jmh "spins-t2-n$n-r$k" "$B.ContentionBenchmark" -t 2 -p mix=90:10 \
                    -p contender=MULTILOCK_LOCK "${spins[@]}" || status=1
                jmh "spins-t4-n$n-r$k" "$B.ContentionBenchmark" -t 4 -p mix=50:50 \
                    -p contender=MULTILOCK_LOCK "${spins[@]}" || status=1
                vthreads "spins-vthreads-n$n-r$k" -p contender=MULTILOCK_LOCK "${spins[@]}" \
                    || status=1
            done
            # The peers, which have no spin count, once a round.
            jmh "spins-t2-peers-r$k" "$B.ContentionBenchmark" -t 2 -p mix=90:10 \
                -p contender=RRWL_NONFAIR,RRWL_FAIR || status=1
            jmh "spins-t4-peers-r$k" "$B.ContentionBenchmark" -t 4 -p mix=50:50 \
                -p contender=RRWL_NONFAIR,RRWL_FAIR || status=1
            vthreads "spins-vthreads-peers-r$k" -p contender=RRWL_NONFAIR,RRWL_FAIR || status=1
        done
        ;;
    vthreads)
        for k in $(seq 1 "$ROUNDS"); do
            vthreads "vthreads-r$k" || status=1
        done
        ;;
    jfr)
        # The same points without and with a recording, in each round; the recording enables
        # dev.multilock.Wait at threshold 0 (the uncontended paths must not take it) and is
        # kept, the last fork's, as jfr-on.jfr.
        for k in $(seq 1 "$ROUNDS"); do
            for rec in off on; do
                args=()
                if [[ "$rec" == on ]]; then
                    recording="dev.multilock.Wait#threshold=0ms,filename=$OUT/jfr-on.jfr"
                    args=(-jvmArgsAppend "-XX:StartFlightRecording:$recording")
                fi
                jmh "jfr-$rec-r$k" "$B.UncontendedBenchmark" -t 1 \
                    -p contender=MULTILOCK,RRWL_NONFAIR ${args[@]+"${args[@]}"} || status=1
                jmh "jfr-$rec-lock-r$k" "$B.UncontendedBenchmark\.acquire" -t 1 \
                    -p contender=MULTILOCK_LOCK ${args[@]+"${args[@]}"} || status=1
            done
        done
        jfrtool="$(dirname "$(readlink -f "$(command -v "$JAVA")")")/jfr"
        if [[ -x "$jfrtool" && -f "$OUT/jfr-on.jfr" ]]; then
            echo "dev.multilock.Wait events in the last recorded fork (expected 0):" \
                "$("$jfrtool" print --events dev.multilock.Wait "$OUT/jfr-on.jfr" \
                    | grep -c '^dev.multilock.Wait' || true)" | tee "$OUT/jfr-events.txt"
        fi
        ;;
    warmup)
        # Issue 12, part 3: is the slow start of multilock's uncontended rows compilation or
        # the collector sizing itself? (a) every iteration with the allocation profiler,
        # (b) the same with a fixed, pre-touched heap, (c) a compilation and inlining log
        # (in jmh-warmup-compilation.log, between JMH's iteration lines).
        ITER=(-f 2 -wi 0 -i 10 -r 1s -to 60s)
        jmh warmup-gc "$B.UncontendedBenchmark" -t 1 -p contender=MULTILOCK,RRWL_NONFAIR \
            -prof gc || status=1
        jmh warmup-gc-lock "$B.UncontendedBenchmark\.acquire" -t 1 -p contender=MULTILOCK_LOCK \
            -prof gc || status=1
        jmh warmup-heap "$B.UncontendedBenchmark" -t 1 -p contender=MULTILOCK -prof gc \
            -jvmArgsAppend "-Xms1g -Xmx1g -Xmn512m -XX:+AlwaysPreTouch" || status=1
        ITER=(-f 1 -wi 0 -i 10 -r 1s -to 60s)
        log="-XX:+PrintCompilation -XX:+UnlockDiagnosticVMOptions -XX:+PrintInlining"
        jmh warmup-compilation "$B.UncontendedBenchmark" -t 1 \
            -p contender=MULTILOCK,RRWL_NONFAIR -jvmArgsAppend "$log" || status=1
        ;;
esac

if [[ "$PROFILE" =~ ^(smoke|quick|full)$ ]]; then
    # Scenarios 1 and 5: uncontended, with the allocation profiler.
    jmh uncontended "$B.UncontendedBenchmark" -t 1 -prof gc || status=1
    # Scenarios 2 and 5 at 2 threads, every mix; the asymmetric reader/writer group beside it.
    jmh contention-t2 "$B.(ContentionBenchmark|ReaderWriterBenchmark)" -t 2 -p mix="$MIXES" \
        -prof gc || status=1
    # Scenario 2 at the other thread counts, 90:10 only (the chart).
    for t in $THREADS; do
        [[ "$t" == 2 ]] && continue
        jmh "contention-t$t" "$B.ContentionBenchmark" -t "$t" -p mix=90:10 -prof gc || status=1
    done
    # Scenario 3 on a pool of 2, every mix; then the other pool sizes at 90:10 (the chart).
    jmh async-pool2 "$B.AsyncThroughputBenchmark" -p pool=2 -p mix="$MIXES" || status=1
    pools=""
    for t in $THREADS; do
        [[ "$t" == 2 ]] || pools="$pools,$t"
    done
    pools="${pools#,}"
    if [[ -n "$pools" ]]; then
        jmh async-pools "$B.AsyncThroughputBenchmark" -p pool="$pools" -p mix=90:10 || status=1
    fi
    # Scenario 3 with 100 requests per pool task: most of the executor's cost taken out.
    if [[ "$PROFILE" != smoke ]]; then
        jmh async-batch "$B.AsyncThroughputBenchmark" -p pool=2 -p mix=90:10 -p batch=100 \
            || status=1
    fi
    # Scenario 4.
    jmh handoff "$B.HandoffBenchmark" || status=1
fi
# Virtual threads: in smoke, only on a JDK 21+ (vthreads and headline run it on JAVA_HOME).
# The cost model of issue 12 part 1 (ReleaseCostBenchmark; README): in smoke only, so it does not
# rot; its own command is in the README.
if [[ "$PROFILE" == smoke ]]; then
    vthreads vthreads || status=1
    jmh release-cost "$B.ReleaseCostBenchmark" || status=1
fi
# Keyed locks: (a) the cost of a key, one thread; (b) 4 threads over 16 and 1,024 keys, blocking
# and asynchronous; all with the allocation profiler. Its own profile (not quick or full): it
# answers another issue, and would add about half an hour to full. smoke runs it at 16 keys.
if [[ "$PROFILE" == keyed || "$PROFILE" == smoke ]]; then
    keys=16,1024
    [[ "$PROFILE" == smoke ]] && keys=16
    jmh keyed "$B.KeyedBenchmark" -p keys="$keys" -prof gc || status=1
fi

# Runs a harness of the jar that is not JMH (CrossProcessHandoff, DistributedScenarios): LOG
# CLASS ARGS..., its output in LOG, bounded by `timeout`, which signals the whole process group,
# its child JVMs included. On failure it says so with the end of LOG; else it prints the
# harness's summary line.
harness() {
    local log="$1" class="$2"
    shift 2
    timeout -k 20 "$LIMIT" "$JAVA" ${HARNESS_JVM[@]+"${HARNESS_JVM[@]}"} -cp "$JAR" \
        "$B.$class" "$@" > "$log" 2>&1 || {
        rc=$?
        echo "run.sh: $(basename "$log" .log) failed (exit $rc); see $log" >&2
        tail -n 30 "$log" >&2
        return "$rc"
    }
    grep "^$class " "$log" || true
}

# One cross-process run (CrossProcessHandoff): NAME CONTENDER THREADS ROUND [WARM-UP SECONDS].
# Two child JVMs of the same class path on one key.
cross() {
    local name="$1" contender="$2" threads="$3" round="$4"
    local warmup="${5:-${CROSS_WARMUP:-2}}" seconds="${6:-${CROSS_SECONDS:-5}}"
    echo "run.sh: $name: CrossProcessHandoff $contender, 2 processes x $threads threads," \
        "${warmup} s warm-up, ${seconds} s measured"
    harness "$OUT/cross-$name.log" CrossProcessHandoff --url "$PG_URL" \
        --contender "$contender" --processes 2 --threads "$threads" --warmup "$warmup" \
        --seconds "$seconds" --round "$round" --out "$OUT/cross-$name.json"
}

# The PostgreSQL benchmarks (issue 10), on the throwaway server: in one process, JMH
# (PostgresBenchmark: MULTILOCK_LOCK calls tryAcquire in freshKeyTry as MULTILOCK does, so that
# row is left out); across processes, CrossProcessHandoff for multilock and plain JDBC.
if [[ "$PROFILE" == postgres || "$PROFILE" == smoke ]]; then
    pg_start
    pg_jvm=(-jvmArgsAppend "-D$PG_PROPERTY=$PG_URL")
    if [[ "$PROFILE" == smoke ]]; then
        jmh pg "$B.PostgresBenchmark\.(handoff|freshKeyLock)" "${pg_jvm[@]}" || status=1
        jmh pg-try "$B.PostgresBenchmark\.freshKeyTry" -p contender=MULTILOCK,JDBC \
            "${pg_jvm[@]}" || status=1
        for c in MULTILOCK JDBC; do
            cross "$c-t2" "$c" 2 1 0.2 0.5 || status=1
        done
    else
        for k in $(seq 1 "$ROUNDS"); do
            jmh "pg-r$k" "$B.PostgresBenchmark\.(handoff|freshKeyLock)" "${pg_jvm[@]}" \
                || status=1
            jmh "pg-try-r$k" "$B.PostgresBenchmark\.freshKeyTry" -p contender=MULTILOCK,JDBC \
                "${pg_jvm[@]}" || status=1
            for t in ${CROSS_THREADS:-1 4}; do
                for c in MULTILOCK JDBC; do
                    cross "$c-t$t-r$k" "$c" "$t" "$k" || status=1
                done
            done
        done
    fi
    [[ "$PROFILE" == smoke ]] || pg_stop
    pg_report=(--out "$OUT" --title "multilock-postgres benchmarks: $PROFILE run $(basename "$OUT")"
        --machine "$OUT/machine.txt")
    pg_inputs=("$OUT"/jmh-pg*.json "$OUT"/cross-*.json)
    "$JAVA" -cp "$JAR" "$B.report.PostgresReport" "${pg_report[@]}" "${pg_inputs[@]}" \
        || status=1
fi

# One distributed-lock run (DistributedScenarios): NAME SCENARIO CONTENDER ROUND [ARGS...]; its
# client JVMs are children of it.
dist() {
    local name="$1" scenario="$2" contender="$3" round="$4"
    shift 4
    echo "run.sh: $name: DistributedScenarios $scenario $contender $*"
    harness "$OUT/dist-$name.log" DistributedScenarios --scenario "$scenario" \
        --contender "$contender" --pg "$PG_URL" --redis "$REDIS_ADDR" --zk "$ZK_CONNECT" \
        --lease-ms "$DIST_LEASE_MS" --round "$round" --out "$OUT/dist-$name.json" \
        ${DIST_EXTRA[@]+"${DIST_EXTRA[@]}"} "$@"
}

# One round of the six scenarios (issue 13), each contender in turn within a scenario.
dist_round() {
    local k="$1" c
    local w=(--warmup "$DIST_WARMUP" --seconds "$DIST_SECONDS")
    for c in $DIST_CONTENDERS; do
        dist "uncontended-$c-r$k" uncontended "$c" "$k" "${w[@]}" || status=1
    done
    for c in $DIST_CONTENDERS; do
        dist "throughput-$c-r$k" throughput "$c" "$k" "${w[@]}" || status=1
    done
    for c in $DIST_CONTENDERS; do
        dist "handoff-$c-r$k" handoff "$c" "$k" "${w[@]}" || status=1
    done
    for c in $DIST_CONTENDERS; do
        dist "fairness-$c-r$k" fairness "$c" "$k" --warmup "$DIST_WARMUP" \
            --seconds "$DIST_FAIR_SECONDS" || status=1
    done
    for c in $DIST_CONTENDERS; do
        dist "kill-$c-r$k" kill "$c" "$k" || status=1
    done
    for c in $DIST_CONTENDERS; do
        dist "stall-$c-r$k" stall "$c" "$k" --stall "$DIST_STALL" --learn-ms "$DIST_LEARN_MS" \
            || status=1
    done
}

# The distributed-lock comparison (issue 13): multilock-postgres, Redisson and Curator, each on
# a throwaway server of its own; smoke runs every scenario once, with tiny windows and leases.
if [[ "$PROFILE" == distributed || "$PROFILE" == smoke ]]; then
    # any of these set makes a distributed run a trial, copied nowhere
    dist_trial="${TIMINGS:-}${DIST_WARMUP:-}${DIST_SECONDS:-}${DIST_FAIR_SECONDS:-}"
    dist_trial="$dist_trial${DIST_LEASE_MS:-}${DIST_STALL:-}${DIST_CONTENDERS:-}"
    DIST_CONTENDERS="${DIST_CONTENDERS:-MULTILOCK REDISSON CURATOR}"
    if [[ "$PROFILE" == smoke ]]; then
        DIST_WARMUP="${DIST_WARMUP:-0.2}" DIST_SECONDS="${DIST_SECONDS:-0.3}"
        DIST_FAIR_SECONDS="${DIST_FAIR_SECONDS:-0.6}" DIST_LEASE_MS="${DIST_LEASE_MS:-2000}"
        DIST_STALL="${DIST_STALL:-3}" DIST_LEARN_MS=1000
        # no need for C2 in a smoke: JVMs that start and compile less, on 2 busy cores
        DIST_EXTRA=(--jvm -XX:TieredStopAtLevel=1)
        HARNESS_JVM=(-XX:TieredStopAtLevel=1)
    else
        DIST_WARMUP="${DIST_WARMUP:-1}" DIST_SECONDS="${DIST_SECONDS:-2}"
        DIST_FAIR_SECONDS="${DIST_FAIR_SECONDS:-6}" DIST_LEASE_MS="${DIST_LEASE_MS:-10000}"
        DIST_STALL="${DIST_STALL:-15}" DIST_LEARN_MS=3000
    fi
    [[ -n "$PG_URL" ]] || pg_start
    redis_start
    zk_start
    {
        echo "Redisson: $(sed -n 's:.*<redisson.version>\(.*\)</redisson.version>.*:\1:p' \
            "$ROOT/pom.xml"), Curator: $(sed -n \
            's:.*<curator.version>\(.*\)</curator.version>.*:\1:p' "$ROOT/pom.xml")"
        echo "distributed: warm-up $DIST_WARMUP s, windows $DIST_SECONDS s, fairness" \
            "$DIST_FAIR_SECONDS s, Redisson lockWatchdogTimeout and Curator session timeout" \
            "$DIST_LEASE_MS ms, multilock-postgres defaults (heartbeat 2 s), stall $DIST_STALL s"
    } >> "$OUT/machine.txt"
    if [[ "$PROFILE" == smoke ]]; then
        dist_round 1
    else
        for k in $(seq 1 "$ROUNDS"); do
            dist_round "$k"
        done
    fi
    servers_stop
    dist_report=(--out "$OUT" --title "Distributed locks: $PROFILE run $(basename "$OUT")"
        --machine "$OUT/machine.txt")
    "$JAVA" -cp "$JAR" "$B.report.DistributedReport" "${dist_report[@]}" "$OUT"/dist-*.json \
        || status=1
fi

echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo n/a)" \
    >> "$OUT/machine.txt"
# headline: the run it replaces in results/latest-headline is its baseline (issue 12: no row
# worse than before by more than its spread); the report compares every row with it.
if [[ "$PROFILE" == headline && -f "$HERE/results/latest-headline/results.json" ]]; then
    cp "$HERE/results/latest-headline/results.json" "$OUT/baseline.json"
    head -n 1 "$HERE/results/latest-headline/results.md" | sed 's/^# //' > "$OUT/baseline.txt"
fi
if [[ ! "$PROFILE" =~ ^(postgres|distributed)$ ]]; then
    report "$OUT" "multilock benchmarks: $PROFILE run $(basename "$OUT")"
fi
if [[ "$PROFILE" == keyed ]]; then
    rm -rf "$HERE/results/latest-keyed"
    cp -r "$OUT" "$HERE/results/latest-keyed"
    README_ARGS=(--readme "$HERE/README.md" results/latest-keyed --readme-markers keyed)
    report "$HERE/results/latest-keyed" "keyed locks: $PROFILE run $(basename "$OUT")"
    echo "run.sh: results in $OUT (copied to results/latest-keyed and README.md)"
elif [[ "$PROFILE" == headline ]]; then
    rm -rf "$HERE/results/latest-headline"
    cp -r "$OUT" "$HERE/results/latest-headline"
    # The module README gets the whole report, the top-level README its targets and chart.
    README_ARGS=(--readme "$HERE/README.md" results/latest-headline --readme-markers headline)
    report "$HERE/results/latest-headline" "headline run $(basename "$OUT")"
    README_ARGS=(--readme "$ROOT/README.md" multilock-benchmarks/results/latest-headline
        --readme-markers headline --readme-summary)
    report "$HERE/results/latest-headline" "headline run $(basename "$OUT")"
    echo "run.sh: results in $OUT (copied to results/latest-headline and both READMEs)"
elif [[ "$PROFILE" == postgres ]]; then
    if [[ -z "${TIMINGS:-}${CROSS_WARMUP:-}${CROSS_SECONDS:-}" ]]; then
        rm -rf "$HERE/results/latest-postgres"
        cp -r "$OUT" "$HERE/results/latest-postgres"
        "$JAVA" -cp "$JAR" "$B.report.PostgresReport" "${pg_report[@]}" \
            --readme "$HERE/README.md" "${pg_inputs[@]}" || status=1
        echo "run.sh: results in $OUT (copied to results/latest-postgres and README.md)"
    else
        echo "run.sh: results in $OUT (postgres.md; a trial, copied nowhere)"
    fi
elif [[ "$PROFILE" == distributed ]]; then
    if [[ -z "$dist_trial" ]]; then
        rm -rf "$HERE/results/latest-distributed"
        cp -r "$OUT" "$HERE/results/latest-distributed"
        "$JAVA" -cp "$JAR" "$B.report.DistributedReport" "${dist_report[@]}" \
            --readme "$HERE/README.md" --readme-summary "$ROOT/README.md" \
            --chart-path results/latest-distributed "$OUT"/dist-*.json || status=1
        echo "run.sh: results in $OUT (copied to results/latest-distributed and both READMEs)"
    else
        echo "run.sh: results in $OUT (distributed.md; a trial, copied nowhere)"
    fi
elif [[ "$PROFILE" =~ ^(spins|vthreads|jfr|warmup)$ ]]; then
    echo "run.sh: results in $OUT (results.md)"
elif [[ "$PROFILE" != smoke ]]; then
    rm -rf "$HERE/results/latest"
    cp -r "$OUT" "$HERE/results/latest"
    # The README shows the latest tables: copy them between its markers.
    README_ARGS=(--readme "$HERE/README.md" results/latest)
    report "$HERE/results/latest" "multilock benchmarks: $PROFILE run $(basename "$OUT")"
    echo "run.sh: results in $OUT (copied to results/latest and README.md)"
else
    echo "run.sh: smoke results in $OUT"
fi
exit "$status"
