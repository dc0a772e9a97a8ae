#!/usr/bin/env bash
# Runs the multilock JMH suite and turns its JSON into a Markdown table and a chart.
#
#   multilock-benchmarks/run.sh [smoke|quick|full|keyed]     (default: quick)
#   multilock-benchmarks/run.sh report DIR                   (redo the report of a finished run)
#
# quick: one fork, short iterations, threads 1 2 4         (~10 min)
# full:  three forks, longer iterations, threads 1 2 4 8   (~1.5 h; run it on a quiet machine)
# keyed: KeyedBenchmark alone (keyed locks), two forks     (~14 min; on a quiet machine)
# smoke: every benchmark and contender once, one fork, tiny iterations, one point per
#        parameter; fails on any benchmark error. For CI: under 2.5 minutes on 2 cores.
#
# quick and full write results/<UTC time>-<profile>/, copy it to results/latest/ and copy its
# tables into README.md (between the "run.sh: latest results" markers); keyed does the same
# with results/latest-keyed/ and the "run.sh: keyed results" markers, and leaves the others
# alone. smoke writes target/smoke/. Each run directory holds one JMH JSON file per JMH invocation,
# results.json (all of them merged), results.md, throughput-vs-threads.png, machine.txt and
# the JMH logs.
#
# Environment: JAVA (default: java), THREADS (thread counts for scenarios 2 and 3, e.g.
# "1 2 4 8 16"), JMH_EXTRA (extra JMH arguments for every invocation, e.g.
# "-p contender=MULTILOCK,RRWL_NONFAIR"), MVN_FLAGS (extra Maven flags, e.g. -o).
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(dirname "$HERE")"
JAR="$HERE/target/benchmarks.jar"
JAVA="${JAVA:-java}"
PROFILE="${1:-quick}"
README_ARGS=()

build_if_needed() {
    local stale=""
    if [[ ! -f "$JAR" ]]; then
        stale="no $JAR"
    else
        stale="$(find "$ROOT/pom.xml" "$ROOT"/multilock-api "$ROOT"/multilock-lockfree "$HERE" \
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
    "$JAVA" -cp "$JAR" dev.multilock.benchmarks.report.Report --out "$dir" --title "$title" \
        --machine "$dir/machine.txt" --failures "$dir/failures.txt" \
        ${README_ARGS[@]+"${README_ARGS[@]}"} "$dir"/jmh-*.json
}

if [[ "$PROFILE" == "report" ]]; then
    dir="${2:?usage: run.sh report DIR}"
    build_if_needed
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
    *)
        echo "usage: $0 [smoke|quick|full|keyed] | $0 report DIR" >&2
        exit 2
        ;;
esac

build_if_needed
mkdir -p "$OUT"
{
    echo "profile: $PROFILE ($(date -u '+%Y-%m-%d %H:%M UTC'))"
    echo "JMH: ${ITER[*]} ${JMH_EXTRA:-}"
    echo "nproc: $(nproc)"
    echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo n/a)"
    echo "commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo n/a)$(
        git -C "$ROOT" diff --quiet HEAD 2>/dev/null || echo ' (with local changes)')"
    "$JAVA" -version 2>&1
    lscpu 2>/dev/null | head -n 15 || true
} > "$OUT/machine.txt"

# One JMH invocation: a name for its files, then the JMH arguments. Bounded by `timeout`,
# which signals the whole process group, forked benchmark JVMs included.
jmh() {
    local name="$1"
    shift
    echo "run.sh: $name: $*"
    timeout -k 20 "$LIMIT" "$JAVA" -jar "$JAR" "$@" "${ITER[@]}" ${JMH_EXTRA:-} \
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
if [[ "$PROFILE" != keyed ]]; then
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
# Keyed locks: (a) the cost of a key, one thread; (b) 4 threads over 16 and 1,024 keys, blocking
# and asynchronous; all with the allocation profiler. Its own profile (not quick or full): it
# answers another issue, and would add about half an hour to full. smoke runs it at 16 keys.
if [[ "$PROFILE" == keyed || "$PROFILE" == smoke ]]; then
    keys=16,1024
    [[ "$PROFILE" == smoke ]] && keys=16
    jmh keyed "$B.KeyedBenchmark" -p keys="$keys" -prof gc || status=1
fi

echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo n/a)" \
    >> "$OUT/machine.txt"
report "$OUT" "multilock benchmarks: $PROFILE run $(basename "$OUT")"
if [[ "$PROFILE" == keyed ]]; then
    rm -rf "$HERE/results/latest-keyed"
    cp -r "$OUT" "$HERE/results/latest-keyed"
    README_ARGS=(--readme "$HERE/README.md" results/latest-keyed --readme-markers keyed)
    report "$HERE/results/latest-keyed" "keyed locks: $PROFILE run $(basename "$OUT")"
    echo "run.sh: results in $OUT (copied to results/latest-keyed and README.md)"
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
