package dev.multilock.tests;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.multilock.Handle;
import dev.multilock.KeyedMultiLock;
import dev.multilock.MultiLock;
import dev.multilock.MultiLockType;
import dev.multilock.tests.pg.Poll;
import java.time.Duration;
import java.util.OptionalInt;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;

/**
 * Where a behaviour suite takes its locks from: one backend of the {@link MultiLock} contract
 * (API.md), as {@code shared/STYLE.md} asks ("one behaviour suite, several backends"). A test
 * that states a rule takes a {@code Backend} parameter from the suite's {@code backends()}
 * source, makes every lock with {@link #create()}, and waits for outcomes with {@link #await},
 * {@link #granted} and {@link #eventually}; a rule that a backend cannot keep is skipped for it
 * with {@code Assumptions.assumeTrue(..., "reason")} in the test.
 *
 * <p>The in-JVM backends complete every future on the thread that made it so, before the call
 * that did returns (rule 4), and an acquisition that can be taken at once is returned complete:
 * for them the helpers assert that the outcome is there <i>now</i>, as the suites did before
 * they had several backends. PostgreSQL completes a grant that needs the server on a library
 * thread after a round trip: for it they wait at most {@link #AWAIT}. The helpers are about
 * outcomes; a test of exact synchrony keeps its {@code isDone()} and is skipped for POSTGRES.
 *
 * <p>The suites run on {@link #inJvm()} by default. {@code PostgresBackendTest} runs them again
 * on {@link #POSTGRES}: a class tagged {@code postgres}, so that {@code -DexcludedGroups=postgres}
 * leaves it out and keeps the in-JVM variants.
 */
enum Backend {

    /** The lock-free lock of one JVM, as {@link MultiLock#create()} makes it. */
    LOCKFREE {
        @Override
        MultiLock create() {
            return MultiLock.create();
        }
    },

    /**
     * A fresh key of one in-JVM keyed family ({@link KeyedMultiLock#create()}), the same family
     * for every KEYED lock of the run: each lock lives beside the keys of the other tests, which
     * must never hold it back (K1, K6).
     */
    KEYED {
        @Override
        MultiLock create() {
            return FAMILY.get("key-" + KEYS.incrementAndGet());
        }
    },

    /**
     * A fresh key of one namespace of the run's shared {@code PostgresMultiLocks}, on a database
     * of its own on the run's throwaway server ({@link PostgresBackend}).
     */
    POSTGRES {
        @Override
        MultiLock create() {
            return PostgresBackend.locks().get("key-" + KEYS.incrementAndGet());
        }

        @Override
        boolean synchronousGrants() {
            return false;
        }

        @Override
        boolean inOneJvm() {
            return false;
        }
    };

    /**
     * How long an asynchronous backend may take to complete a future that a test awaits: a few
     * round trips to a local server take milliseconds, so this only bounds a failing test.
     */
    static final Duration AWAIT = Duration.ofSeconds(10);

    private static final KeyedMultiLock<String> FAMILY = KeyedMultiLock.create();
    private static final Pattern WATCHERS = Pattern.compile(", watchers=(\\d+)]");
    /** How the toString of a PostgreSQL lock begins. */
    private static final String POSTGRES_LOCK = "PostgresLock(";
    private static final AtomicLong KEYS = new AtomicLong();

    /** A new lock of this backend, unlocked, that no other test uses. */
    abstract MultiLock create();

    /**
     * Whether every future of this backend is completed before the call that made it so returns
     * (an acquisition that can be taken at once is returned complete; a release, withdrawal or
     * downgrade completes the grants and waits it enables): rule 4 in one JVM.
     */
    boolean synchronousGrants() {
        return true;
    }

    /**
     * Whether the lock lives in this JVM alone: its whole state is here, it never waits for a
     * server, and its operations are lock-free (rule 6).
     */
    boolean inOneJvm() {
        return true;
    }

    /** The source of the suites by default: the backends of one JVM. */
    static Stream<Backend> inJvm() {
        return Stream.of(LOCKFREE, KEYED);
    }

    /** The source of the suites in {@code PostgresBackendTest}. */
    static Stream<Backend> postgres() {
        return Stream.of(POSTGRES);
    }

    /** Each of {@code backends} with each of {@code types}: a source of (backend, type). */
    static Stream<Arguments> withTypes(Stream<Backend> backends, MultiLockType... types) {
        return backends.flatMap(b -> Stream.of(types).map(t -> Arguments.of(b, t)));
    }

    /**
     * Returns {@code f} once it is done: at once for a synchronous backend, which must have
     * completed it already; within {@link #AWAIT} for another. Fails the test, saying
     * {@code what} was awaited, if it is not.
     */
    <F extends CompletableFuture<?>> F await(F f, String what) {
        if (synchronousGrants()) {
            assertTrue(f.isDone(), what + ": " + f);
            return f;
        }
        try {
            f.get(AWAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | CancellationException doneAnyway) {
            // done: the caller looks at how
        } catch (TimeoutException e) {
            fail(what + ": not within " + AWAIT.toMillis() + " ms on " + this + ": " + f);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail("interrupted while waiting: " + what);
        }
        return f;
    }

    /** As {@link #await(CompletableFuture, String)}, for the completion of an acquisition. */
    <F extends CompletableFuture<?>> F await(F f) {
        return await(f, "the future should have been completed");
    }

    /**
     * The handle of an acquisition that must be granted by now (synchronous backends) or soon
     * (others), as {@link Grants#granted} asserts for the in-JVM lock.
     */
    Handle granted(CompletableFuture<Handle> f) {
        await(f, "the acquisition should have been granted");
        try {
            return f.join();
        } catch (CompletionException | CancellationException e) {
            throw new AssertionError("the acquisition failed: " + f, e);
        }
    }

    /**
     * The watches and {@code whenAcquirable} futures registered with {@code lock}, as its
     * {@code toString} counts them ({@code ", watchers=N]"}, the first such bracket); empty for a
     * PostgreSQL lock, whose {@code toString} (this process's view) shows its mode and queue
     * only. Fails for any other lock that no longer shows the count.
     */
    static OptionalInt watchers(MultiLock lock) {
        String seen = lock.toString();
        Matcher m = WATCHERS.matcher(seen);
        if (m.find()) {
            return OptionalInt.of(Integer.parseInt(m.group(1)));
        }
        if (seen.startsWith(POSTGRES_LOCK)) {
            return OptionalInt.empty();
        }
        throw new AssertionError("the lock's toString no longer has ', watchers=N]': " + seen);
    }

    /**
     * Asserts that {@code expected} watches and waits are registered with {@code lock}, now
     * (synchronous backends) or within {@link #AWAIT} (others), where its {@code toString}
     * counts them: a PostgreSQL lock's does not, and is not checked.
     */
    void assertWatchers(MultiLock lock, int expected, String message) {
        if (watchers(lock).isEmpty()) {
            return;
        }
        eventually(() -> watchers(lock).getAsInt() == expected, message + " (expected "
                + expected + " watchers)");
    }

    /**
     * Asserts that {@code condition} holds now (synchronous backends), or within
     * {@link #AWAIT} (others).
     */
    void eventually(BooleanSupplier condition, String message) {
        if (synchronousGrants()) {
            assertTrue(condition.getAsBoolean(), message);
            return;
        }
        Poll.until(AWAIT, condition::getAsBoolean, Boolean::booleanValue, message + " (" + this
                + ")");
    }
}
