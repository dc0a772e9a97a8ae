package dev.multilock.tests;

import static dev.multilock.MultiLockType.EXCLUSIVE;
import static dev.multilock.MultiLockType.NONE;
import static dev.multilock.MultiLockType.SHARED;
import static org.quicktheories.generators.SourceDSL.lists;

import dev.multilock.MultiLockType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

/**
 * Concurrent properties: generated programs, one per thread (2 to 4 threads, up to
 * {@value #MAX_OPS} ops each, run {@value #ROUNDS} times over), run for real on a lock while an
 * independent {@link ExclusionChecker} watches every critical section; then every future must be
 * done and the lock at rest (NONE, an empty queue, a {@code tryAcquire(EXCLUSIVE)} that succeeds).
 * See {@link ThreadProgramRunner} for the ops and the checks. Nothing is compared with a model
 * while the threads race: only the quiescent end state is.
 *
 * <p>QuickTheories shrinks a failure to fewer threads and fewer ops, re-running each candidate
 * (for {@link #SHRINK_BUDGET} at most); a race may not come back on every run, so the shrunk
 * program is a lead, not a proof. The failure message carries the seed.
 *
 * <p>The same property must fail on {@link BrokenLock.Bug#RACY_READ_THEN_WRITE}: see
 * {@link PropertiesCatchPlantedBugsTest}.
 *
 * <p>CI runs {@value #DEFAULT_EXAMPLES} programs per shape with a fixed seed; see
 * {@link PbtConfig} for {@code -Dmultilock.pbt.seed} and {@code -Dmultilock.pbt.examples}.
 */
@Tag("property")
final class MultiLockConcurrentProperties {

    static final int MAX_OPS = 12;
    static final int ROUNDS = 20;
    static final int DEFAULT_EXAMPLES = 200;
    static final int SHRINK_CYCLES = 50;
    /** How long a grant may take, the threads may take to start, or the futures to settle. */
    static final Duration LIVENESS = Duration.ofSeconds(10);
    /**
     * How long QuickTheories may shrink a failure, after which every further candidate passes: a
     * candidate that stalls costs a liveness timeout, and the first failure is already a finding.
     */
    static final Duration SHRINK_BUDGET = Duration.ofSeconds(30);

    /** The locks the property runs on; the same shapes as the stateful property's. */
    @ParameterizedTest
    @EnumSource(value = MultiLockStatefulProperties.Shape.class,
            names = {"SINGLE_LOCK", "SET_OF_THREE"})
    void randomThreadPrograms_eachShape_keepExclusionAndComeToRest(
            MultiLockStatefulProperties.Shape shape) {
        check(() -> new RealLock(shape.create()), shape.name(), PbtConfig.seed(),
                PbtConfig.examples(DEFAULT_EXAMPLES), LIVENESS, SHRINK_CYCLES);
    }

    /**
     * The property: {@code examples} generated sets of thread programs, each on a fresh lock from
     * {@code locks}, keep exclusion and leave the lock at rest. A failure is shrunk for at most
     * {@code shrinkCycles} more runs.
     *
     * @throws AssertionError from QuickTheories, with the shrunk programs, if one does not
     */
    static void check(Supplier<TestedLock> locks, String lockName, long seed, int examples,
            Duration liveness, int shrinkCycles) {
        AtomicLong firstFailure = new AtomicLong(); // System.nanoTime() of it; 0: none yet
        PbtConfig.theory(seed, examples, shrinkCycles)
                .forAll(threadPrograms())
                .checkAssert(programs -> {
                    long failedAt = firstFailure.get();
                    if (failedAt != 0 && System.nanoTime() - failedAt > SHRINK_BUDGET.toNanos()) {
                        return; // shrinking has had its time: pass the remaining candidates
                    }
                    try {
                        runOnce(locks.get(), lockName, seed, programs, liveness);
                    } catch (AssertionError e) {
                        firstFailure.compareAndSet(0L, System.nanoTime());
                        throw e;
                    }
                });
    }

    private static void runOnce(TestedLock lock, String lockName, long seed,
            List<List<ThreadProgramRunner.Op>> programs, Duration liveness) {
        List<String> breaches;
        try {
            breaches = ThreadProgramRunner.run(lock, programs, ROUNDS, liveness.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
        if (!breaches.isEmpty()) {
            AssertionError e = new AssertionError(breaches.size() + " breach(es) on " + lockName
                    + ", first " + breaches + "\n threads' programs (" + ROUNDS
                    + " rounds each): " + programs + "\n lock: " + lock + "\n "
                    + PbtConfig.rerun(seed));
            e.setStackTrace(new StackTraceElement[0]); // the message says it all
            throw e;
        }
    }

    /** 2 to 4 threads, each with a program of 1 to {@value #MAX_OPS} ops; SKIPs dropped. */
    static Gen<List<List<ThreadProgramRunner.Op>>> threadPrograms() {
        Gen<List<ThreadProgramRunner.Op>> program = lists().of(ops()).ofSizeBetween(1, MAX_OPS)
                .map(ops -> {
                    List<ThreadProgramRunner.Op> kept = new ArrayList<>(ops);
                    kept.removeIf(op -> op.kind() == ThreadProgramRunner.Kind.SKIP);
                    return kept;
                });
        return lists().of(program).ofSizeBetween(2, 4);
    }

    /**
     * One op: a kind with the weights below (tryAcquire often, as it races with releases on the
     * holder word), a type (SHARED and EXCLUSIVE twice as often as NONE), whether to release twice
     * and whether to yield inside the section. Shrinking moves towards SKIP, NONE, false, false.
     */
    static Gen<ThreadProgramRunner.Op> ops() {
        List<ThreadProgramRunner.Kind> kinds = new ArrayList<>();
        add(kinds, ThreadProgramRunner.Kind.SKIP, 1); // first: the shrink target
        add(kinds, ThreadProgramRunner.Kind.AWAIT, 3);
        add(kinds, ThreadProgramRunner.Kind.ASYNC, 2);
        add(kinds, ThreadProgramRunner.Kind.TRY, 4);
        add(kinds, ThreadProgramRunner.Kind.CANCEL, 1);
        add(kinds, ThreadProgramRunner.Kind.TIME_OUT, 1);
        add(kinds, ThreadProgramRunner.Kind.COMPLETE, 1);
        add(kinds, ThreadProgramRunner.Kind.DOWNGRADE, 1);
        List<MultiLockType> types = List.of(NONE, SHARED, SHARED, EXCLUSIVE, EXCLUSIVE);
        return Generate.pick(kinds).zip(Generate.pick(types), Generate.booleans(),
                Generate.booleans(), ThreadProgramRunner.Op::new);
    }

    private static <T> void add(List<T> weighted, T value, int weight) {
        weighted.addAll(Collections.nCopies(weight, value));
    }
}
