package dev.multilock.tests;

import dev.multilock.MultiLockType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import java.util.function.IntFunction;
import java.util.function.Predicate;

/**
 * Runs a program of {@link Step}s on a {@link TestedLock} and on a {@link LockModel} side by side,
 * from one thread, and after every step asserts that they agree on everything the API lets one
 * see: {@code locked()}, {@code queueLength()}, the state of every acquisition future (pending,
 * granted, cancelled, timed out, completed from outside), the result of every {@code tryAcquire},
 * {@code release} and {@code downgrade}, every watch flag and every {@code whenAcquirable} future.
 *
 * <p>The same checker runs a program of {@link KeyedStep}s on a {@link TestedKeyedLock}: each step
 * names a key, works on the lock {@code family.get(key)} returns at that step (a view fetched
 * anew, which must find whatever state the key has) and on that key's own model, and after every
 * step every key's lock must agree with its model as above, and the family's {@code size()} with
 * the number of keys whose model is {@link LockModel#inUse() in use} (API.md, K2).
 *
 * <p>A step names its target by an index into a list the model defines (the held acquisitions,
 * the pending requests, the watches, ...; in a family, those of the step's key), taken modulo the
 * list's size, so that every generated program is valid and a shrunk program stays meaningful. A
 * step with no possible target does nothing.
 *
 * <p>The first disagreement fails with an {@link AssertionError} that names the broken rule (and
 * in a family the key), the step, every step so far with what it did, both states, and the seed.
 */
final class ModelChecker {

    /** What a step does. */
    enum Kind {
        /** Does nothing: what shrinking turns a step into to remove it from a program. */
        SKIP("skip", false),
        ACQUIRE("acquire", true),
        TRY_ACQUIRE("tryAcquire", true),
        /** Releases a held acquisition. */
        RELEASE("release", false),
        /** Releases a held acquisition, then again: the second must return false. */
        RELEASE_TWICE("releaseTwice", false),
        /** Cancels an acquisition future: a pending one if any. */
        CANCEL("cancel", false),
        /** Fails an acquisition future with a TimeoutException, as orTimeout would. */
        TIME_OUT("timeOut", false),
        /** Completes an acquisition future with null from outside. */
        COMPLETE("complete", false),
        /** Downgrades any acquisition that has a handle, held or not, of any type. */
        DOWNGRADE("downgrade", false),
        WATCH("watch", true),
        CLEAR("clear", false),
        CLOSE("close", false),
        WHEN_ACQUIRABLE("whenAcquirable", true),
        /** Cancels a whenAcquirable future. */
        CANCEL_WAIT("cancelWait", false),
        /**
         * {@code lock}, where it is granted at once; elsewhere nothing (one thread would wait for
         * itself). Whether it would be granted is asked first with a {@code whenAcquirable} that
         * must agree with the model, so that a broken lock fails instead of hanging the test.
         */
        LOCK("lock", true),
        /** {@code lockInterruptibly}, where it is granted at once; elsewhere nothing (as LOCK). */
        LOCK_INTERRUPTIBLY("lockInterruptibly", true),
        /**
         * {@code tryLock} with {@link ModelChecker#TRY_LOCK_TIMEOUT}: granted at once, or queued
         * and, as nobody else acts, withdrawn when its time is up (W4, rule 3).
         */
        TRY_LOCK("tryLock", true),
        /**
         * {@code lockInterruptibly} with the interrupt status set: throws at once, makes no
         * request and clears the status (W4).
         */
        LOCK_INTERRUPTED("lockInterrupted", true);

        final String label;
        /** Whether the step's argument is a type (else an index). */
        final boolean typed;

        Kind(String label, boolean typed) {
            this.label = label;
            this.typed = typed;
        }
    }

    /** How long a {@link Kind#TRY_LOCK} waits before it gives up. */
    static final Duration TRY_LOCK_TIMEOUT = Duration.ofNanos(200_000);

    /** One step; {@code type} matters to the kinds that create, {@code index} to the others. */
    record Step(Kind kind, MultiLockType type, int index) {
        @Override
        public String toString() {
            return kind.label + "(" + (kind.typed ? type : Integer.toString(index)) + ")";
        }
    }

    /** One step of a program on a family: {@code step} on the lock of key {@code key}. */
    record KeyedStep(int key, Step step) {
        @Override
        public String toString() {
            return keyName(key) + "." + step;
        }
    }

    /** An acquisition on both sides. */
    private static final class Acquisition {
        final LockModel.Request model;
        /** The lock's future; null for a tryAcquire. */
        final CompletableFuture<Object> future;
        /** The lock's token, once granted. */
        Object token;
        /** Its name in messages: {@code #id}, after its key's name in a family. */
        final String name;
        /** The call that made it: acquire, tryAcquire, lock, ... */
        final String call;

        Acquisition(Slot slot, LockModel.Request model, CompletableFuture<Object> future,
                Object token, String call) {
            this.model = model;
            this.future = future;
            this.token = token;
            this.name = slot.prefix + "#" + model.id;
            this.call = call;
        }

        @Override
        public String toString() {
            return name + " (" + call + "(" + model.type + "))";
        }
    }

    private static final class WatchPair {
        final LockModel.Flag model;
        final Object watch;
        /** Its name in messages: {@code w} and a number, after its key's name in a family. */
        final String name;

        WatchPair(Slot slot, LockModel.Flag model, Object watch) {
            this.model = model;
            this.watch = watch;
            this.name = slot.prefix + "w" + slot.watches.size();
        }

        @Override
        public String toString() {
            return "watch " + name + " (" + model.type + ")";
        }
    }

    private static final class WaitPair {
        final LockModel.Wait model;
        final CompletableFuture<Void> future;
        /** Its name in messages: {@code a} and a number, after its key's name in a family. */
        final String name;

        WaitPair(Slot slot, LockModel.Wait model, CompletableFuture<Void> future) {
            this.model = model;
            this.future = future;
            this.name = slot.prefix + "a" + slot.waits.size();
        }

        @Override
        public String toString() {
            return "whenAcquirable " + name + " (" + model.type + ")";
        }
    }

    /** One lock (one key of a family) and its model, with what the program made on both. */
    private static final class Slot {
        final int key;
        /** What starts the names of its things in messages: nothing for a lone lock. */
        final String prefix;
        /** What starts a failure on this lock: nothing for a lone lock, else the key. */
        final String where;
        final LockModel model = new LockModel();
        final List<Acquisition> acquisitions = new ArrayList<>();
        final List<WatchPair> watches = new ArrayList<>();
        final List<WaitPair> waits = new ArrayList<>();

        Slot(int key, boolean keyed) {
            this.key = key;
            this.prefix = keyed ? keyName(key) + ":" : "";
            this.where = keyed ? keyName(key) + ": " : "";
        }
    }

    /** The lock of each key: the same lock for every key of a lone lock, else a fresh view. */
    private final IntFunction<TestedLock> locks;
    /** The family whose {@code size()} is checked; null for a lone lock, which has none. */
    private final TestedKeyedLock family;
    private final List<Slot> slots = new ArrayList<>();
    private final String lockName;
    private final long seed;
    /** The program as it was given, for messages: of {@link Step}s or of {@link KeyedStep}s. */
    private final List<?> program;
    private final StringBuilder trace = new StringBuilder();
    private int stepNumber;
    /** Whether the current step is in the trace yet. */
    private boolean traced;

    private ModelChecker(IntFunction<TestedLock> locks, TestedKeyedLock family, int keys,
            String lockName, long seed, List<?> program) {
        this.locks = locks;
        this.family = family;
        for (int key = 0; key < keys; key++) {
            slots.add(new Slot(key, family != null));
        }
        this.lockName = lockName;
        this.seed = seed;
        this.program = program;
    }

    /**
     * Runs {@code program} on {@code lock} and on a fresh model.
     *
     * @throws AssertionError at the first step after which they disagree
     */
    static void check(TestedLock lock, String lockName, long seed, List<Step> program) {
        ModelChecker checker = new ModelChecker(key -> lock, null, 1, lockName, seed, program);
        checker.agree(); // a new lock and a new model: both unlocked, nobody waiting
        for (Step step : program) {
            checker.run(new KeyedStep(0, step));
        }
    }

    /**
     * Runs {@code program} on the keys {@code 0 .. keys - 1} of {@code family} and on a fresh
     * model of each key.
     *
     * @throws AssertionError at the first step after which they disagree
     */
    static void checkKeyed(TestedKeyedLock family, int keys, String familyName, long seed,
            List<KeyedStep> program) {
        ModelChecker checker =
                new ModelChecker(family::get, family, keys, familyName, seed, program);
        checker.agree(); // a new family: no key in use
        for (KeyedStep step : program) {
            if (step.key() < 0 || step.key() >= keys) {
                throw new IllegalArgumentException(step + ": the keys are 0.." + (keys - 1));
            }
            checker.run(step);
        }
    }

    /** The name of key {@code key} in messages, as {@link TestKey#toString()} gives it. */
    static String keyName(int key) {
        return "k" + key;
    }

    private void run(KeyedStep step) {
        stepNumber++;
        traced = false;
        String did;
        try {
            did = apply(slots.get(step.key()), step.step());
        } catch (AssertionError e) {
            throw e;
        } catch (RuntimeException e) {
            throw failure("the lock threw " + e + " (rule 5: only misuse throws)", e);
        }
        trace.append(String.format("%n  %2d. %-22s -> %s", stepNumber,
                program.get(stepNumber - 1), did));
        traced = true;
        agree();
    }

    // ---- the steps ----

    private String apply(Slot slot, Step step) {
        TestedLock lock = locks.apply(slot.key);
        LockModel model = slot.model;
        MultiLockType type = step.type();
        switch (step.kind()) {
            case SKIP:
                return "nothing";
            case ACQUIRE: {
                CompletableFuture<Object> f = lock.acquire(type);
                LockModel.Request r = model.acquire(type);
                Acquisition a = new Acquisition(slot, r, f, null, "acquire");
                slot.acquisitions.add(a);
                return a.name + " " + r.outcome;
            }
            case TRY_ACQUIRE: {
                Object token = lock.tryAcquire(type);
                LockModel.Request r = model.tryAcquire(type);
                if ((token != null) != (r != null)) {
                    throw failure(slot.where + "rule 2 (a new request succeeds at once iff nobody"
                            + " waits and the holders admit it): tryAcquire(" + type + ") "
                            + (token != null ? "succeeded" : "failed") + ", the model says it "
                            + (r != null ? "succeeds" : "fails"), null);
                }
                if (r == null) {
                    return "empty";
                }
                Acquisition a = new Acquisition(slot, r, null, token, "tryAcquire");
                slot.acquisitions.add(a);
                return a.name;
            }
            case LOCK:
            case LOCK_INTERRUPTIBLY: {
                boolean acquirable = acquirable(slot, lock, type);
                if (!acquirable) {
                    return "would wait for itself: not called";
                }
                Object token;
                try {
                    token = step.kind() == Kind.LOCK ? lock.lock(type)
                            : lock.lockInterruptibly(type);
                } catch (InterruptedException e) {
                    throw failure(slot.where + "W4: " + step.kind().label + "(" + type + ") threw"
                            + " InterruptedException, but nobody interrupted it", e);
                }
                Acquisition a = new Acquisition(slot, model.tryAcquire(type), null, token,
                        step.kind().label);
                slot.acquisitions.add(a);
                return a.name;
            }
            case TRY_LOCK: {
                Object token;
                try {
                    token = lock.tryLock(type, TRY_LOCK_TIMEOUT);
                } catch (InterruptedException e) {
                    throw failure(slot.where + "W4: tryLock(" + type + ") threw"
                            + " InterruptedException, but nobody interrupted it", e);
                }
                LockModel.Request r = model.tryLock(type);
                boolean granted = r.outcome == LockModel.Outcome.GRANTED;
                if ((token != null) != granted) {
                    throw failure(slot.where + "W4 and rules 2-3 (a tryLock that nobody else can"
                            + " let in is granted at once or queued and withdrawn when its time is"
                            + " up): tryLock(" + type + ", " + TRY_LOCK_TIMEOUT + ") "
                            + (token != null ? "was granted" : "timed out") + ", the model says"
                            + " it " + (granted ? "is granted" : "times out"), null);
                }
                if (!granted) {
                    return "#" + r.id + " timed out, withdrawn";
                }
                Acquisition a = new Acquisition(slot, r, null, token, "tryLock");
                slot.acquisitions.add(a);
                return a.name;
            }
            case LOCK_INTERRUPTED: {
                Thread.currentThread().interrupt();
                Object token;
                try {
                    token = lock.lockInterruptibly(type);
                } catch (InterruptedException e) {
                    if (Thread.interrupted()) {
                        throw failure(slot.where + "W4: lockInterruptibly(" + type + ") threw"
                                + " InterruptedException but left the interrupt status set", e);
                    }
                    return "threw InterruptedException";
                } finally {
                    Thread.interrupted();
                }
                throw failure(slot.where + "W4 (called with the interrupt status set, it throws"
                        + " at once and makes no request): lockInterruptibly(" + type
                        + ") returned " + token, null);
            }
            case RELEASE:
            case RELEASE_TWICE: {
                Acquisition a = pick(slot, step, x -> x.model.isHeld());
                if (a == null) {
                    return "nothing held";
                }
                boolean first = releaseBoth(slot, lock, a);
                if (step.kind() == Kind.RELEASE) {
                    return a + " released: " + first;
                }
                boolean second = releaseBoth(slot, lock, a);
                return a + " released: " + first + ", again: " + second;
            }
            case DOWNGRADE: {
                Acquisition a = pick(slot, step, x -> x.model.outcome == LockModel.Outcome.GRANTED);
                if (a == null) {
                    return "no handle";
                }
                boolean got = lock.downgrade(a.token);
                boolean want = model.downgrade(a.model);
                if (got != want) {
                    throw failure(slot.where + "Handle.downgrade (true only for a held EXCLUSIVE"
                            + " acquisition not yet downgraded): downgrade of " + a + " returned "
                            + got + ", the model says " + want, null);
                }
                return a + " downgraded: " + got;
            }
            case CANCEL:
            case TIME_OUT:
            case COMPLETE: {
                Acquisition a = pick(slot, step, x -> x.model.outcome == LockModel.Outcome.PENDING);
                if (a == null) {
                    a = pick(slot, step, x -> x.future != null);
                }
                if (a == null) {
                    return "no acquire future";
                }
                LockModel.Outcome how;
                if (step.kind() == Kind.CANCEL) {
                    a.future.cancel(false);
                    how = LockModel.Outcome.CANCELLED;
                } else if (step.kind() == Kind.TIME_OUT) {
                    a.future.completeExceptionally(new TimeoutException("step " + stepNumber));
                    how = LockModel.Outcome.TIMED_OUT;
                } else {
                    a.future.complete(null);
                    how = LockModel.Outcome.COMPLETED_OUTSIDE;
                }
                LockModel.Outcome before = a.model.outcome;
                model.completeFromOutside(a.model, how);
                return a + (before == LockModel.Outcome.PENDING ? " withdrawn" : " was " + before);
            }
            case WATCH: {
                Object w = lock.watch(type);
                WatchPair p = new WatchPair(slot, model.watch(type), w);
                slot.watches.add(p);
                return p.name + (p.model.set ? " set" : " clear");
            }
            case CLEAR:
            case CLOSE: {
                if (slot.watches.isEmpty()) {
                    return "no watch";
                }
                WatchPair p = slot.watches.get(step.index() % slot.watches.size());
                if (step.kind() == Kind.CLOSE) {
                    lock.close(p.watch);
                    model.close(p.model);
                    return p.name + " closed";
                }
                if (p.model.closed) {
                    return p.name + " is closed: not cleared"; // left open by the contract
                }
                lock.clear(p.watch);
                model.clear(p.model);
                return p.name + " cleared";
            }
            case WHEN_ACQUIRABLE: {
                CompletableFuture<Void> f = lock.whenAcquirable(type);
                WaitPair p = new WaitPair(slot, model.whenAcquirable(type), f);
                slot.waits.add(p);
                return p.name + (p.model.done ? " done" : " pending");
            }
            case CANCEL_WAIT: {
                if (slot.waits.isEmpty()) {
                    return "no whenAcquirable";
                }
                WaitPair p = slot.waits.get(step.index() % slot.waits.size());
                p.future.cancel(false);
                model.cancel(p.model);
                return p.name + " cancelled";
            }
            default:
                throw new AssertionError(step);
        }
    }

    /**
     * Whether {@code type} is acquirable on {@code lock} now, as its model says; the lock must
     * agree, asked with a {@code whenAcquirable} (done at once iff acquirable; cancelled if not,
     * which changes nothing a step can see).
     */
    private boolean acquirable(Slot slot, TestedLock lock, MultiLockType type) {
        boolean want = slot.model.acquirable(type);
        CompletableFuture<Void> probe = lock.whenAcquirable(type);
        boolean got = probe.isDone();
        if (!got) {
            probe.cancel(false);
        }
        if (got != want) {
            throw failure(slot.where + "rule 2 (acquirable: nobody waits and the holders admit"
                    + " the type): whenAcquirable(" + type + ") is " + (got ? "done" : "pending")
                    + " at once, the model says " + type + " is " + (want ? "" : "not ")
                    + "acquirable", null);
        }
        return want;
    }

    /**
     * The {@code step.index()}-th (modulo) acquisition of {@code slot} that passes
     * {@code filter}, or null.
     */
    private static Acquisition pick(Slot slot, Step step, Predicate<Acquisition> filter) {
        List<Acquisition> candidates = new ArrayList<>();
        for (Acquisition a : slot.acquisitions) {
            if (filter.test(a)) {
                candidates.add(a);
            }
        }
        return candidates.isEmpty() ? null : candidates.get(step.index() % candidates.size());
    }

    private boolean releaseBoth(Slot slot, TestedLock lock, Acquisition a) {
        boolean got = lock.release(a.token);
        boolean want = slot.model.release(a.model);
        if (got != want) {
            throw failure(slot.where + "rule 5 (release returns true once, then false): release"
                    + " of " + a + " returned " + got + ", the model says " + want, null);
        }
        return got;
    }

    // ---- agreement ----

    /** Asserts that every lock shows what its model shows, and the family what the models do. */
    private void agree() {
        for (Slot slot : slots) {
            agree(slot);
        }
        if (family != null) {
            int size = family.size();
            List<String> inUse = keysInUse();
            if (size != inUse.size()) {
                throw failure("rule K2 (a family keeps state for a key exactly while it is held in"
                        + " any mode, NONE too, queued for, watched or awaited): size() is " + size
                        + ", the model says " + inUse.size() + " " + inUse, null);
            }
        }
    }

    /** The keys whose model says the family must keep their state. */
    private List<String> keysInUse() {
        List<String> inUse = new ArrayList<>();
        for (Slot slot : slots) {
            if (slot.model.inUse()) {
                inUse.add(keyName(slot.key));
            }
        }
        return inUse;
    }

    /** Asserts that the lock of {@code slot} shows what its model shows. */
    private void agree(Slot slot) {
        TestedLock lock = locks.apply(slot.key);
        LockModel model = slot.model;
        if (lock.locked() != model.locked()) {
            throw failure(slot.where + "rule 1 (locked() is the strongest mode among SHARED and"
                    + " EXCLUSIVE holders): locked() is " + lock.locked() + ", the model says "
                    + model.locked(), null);
        }
        if (lock.queueLength() != model.queueLength()) {
            throw failure(slot.where + "rules 2-3 (queueLength() counts the waiting requests, not"
                    + " granted or withdrawn ones): queueLength() is " + lock.queueLength()
                    + ", the model says " + model.queueLength(), null);
        }
        for (Acquisition a : slot.acquisitions) {
            if (a.future != null) {
                agree(slot, a);
            }
        }
        for (WatchPair p : slot.watches) {
            boolean set = lock.isSet(p.watch);
            if (set != p.model.set) {
                throw failure(slot.where + "watch (set at creation if its type is acquirable, and"
                        + " after every release, withdrawal or downgrade that leaves it"
                        + " acquirable; only clear() clears it; a closed watch no longer"
                        + " changes): " + p + " is " + (set ? "set" : "clear")
                        + ", the model says " + (p.model.set ? "set" : "clear"), null);
            }
        }
        for (WaitPair p : slot.waits) {
            String got = p.future.isCancelled() ? "CANCELLED"
                    : p.future.isCompletedExceptionally() ? "FAILED"
                    : p.future.isDone() ? "DONE" : "PENDING";
            String want = p.model.cancelled ? "CANCELLED" : p.model.done ? "DONE" : "PENDING";
            if (!got.equals(want)) {
                throw failure(slot.where + "whenAcquirable (done at once if the type is"
                        + " acquirable, else after the first release, withdrawal or downgrade that"
                        + " leaves it acquirable; cancelling it unregisters it): " + p + " is "
                        + got + ", the model says " + want, null);
            }
        }
    }

    private void agree(Slot slot, Acquisition a) {
        LockModel.Outcome want = a.model.outcome;
        LockModel.Outcome got = outcome(a.future);
        if (got == want) {
            if (got == LockModel.Outcome.GRANTED && a.token == null) {
                a.token = a.future.join();
            }
            return;
        }
        String rule;
        if (want == LockModel.Outcome.GRANTED && got == LockModel.Outcome.PENDING) {
            rule = "rules 2-3 (after a release, withdrawal or downgrade the head of the queue and"
                    + " every compatible waiter directly behind it enter)";
        } else if (want == LockModel.Outcome.PENDING && got == LockModel.Outcome.GRANTED) {
            rule = "rules 1-2 (a waiter enters only from the head of the queue, when the holders"
                    + " admit it)";
        } else {
            rule = "rule 3 (a future completed from outside keeps that outcome; the request is"
                    + " withdrawn)";
        }
        throw failure(slot.where + rule + ": the future of " + a + " is "
                + (got == null ? describe(a.future) : got) + ", the model says " + want, null);
    }

    /** The outcome the lock's future shows, or null for one the model has no name for. */
    private static LockModel.Outcome outcome(CompletableFuture<Object> f) {
        if (!f.isDone()) {
            return LockModel.Outcome.PENDING;
        }
        if (f.isCancelled()) {
            return LockModel.Outcome.CANCELLED;
        }
        if (f.isCompletedExceptionally()) {
            return cause(f) instanceof TimeoutException ? LockModel.Outcome.TIMED_OUT : null;
        }
        return f.join() != null ? LockModel.Outcome.GRANTED : LockModel.Outcome.COMPLETED_OUTSIDE;
    }

    private static Throwable cause(CompletableFuture<?> f) {
        Throwable t = f.handle((v, e) -> e).join();
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }

    private static String describe(CompletableFuture<Object> f) {
        return "failed with " + cause(f);
    }


    // ---- reporting ----

    private AssertionError failure(String what, Throwable cause) {
        StringBuilder m = new StringBuilder(what);
        m.append(String.format("%n at step %d of %d on %s", stepNumber, program.size(), lockName));
        if (stepNumber > 0) {
            m.append(": ").append(program.get(stepNumber - 1));
        }
        if (family == null) {
            m.append(String.format("%n lock:  %s%n model: %s", locks.apply(0), slots.get(0).model));
        } else {
            m.append(String.format("%n family: %s, size() %d, keys in use by the model %s",
                    family, family.size(), keysInUse()));
            for (Slot slot : slots) {
                m.append(String.format("%n %s lock:  %s%n %s model: %s", keyName(slot.key),
                        locks.apply(slot.key), keyName(slot.key), slot.model));
            }
        }
        m.append(String.format("%n steps, with what each did:")).append(trace);
        if (stepNumber > 0 && !traced) {
            m.append(String.format("%n  %2d. %-22s -> (disagreed here)", stepNumber,
                    program.get(stepNumber - 1)));
        } else if (stepNumber > 0) {
            m.append("  <- disagreed after this step");
        }
        m.append(String.format("%n program: %s%n %s", program, PbtConfig.rerun(seed)));
        AssertionError e = new AssertionError(m.toString());
        e.setStackTrace(new StackTraceElement[0]); // the message says it all; a cause keeps its own
        if (cause != null) {
            e.initCause(cause);
        }
        return e;
    }
}
