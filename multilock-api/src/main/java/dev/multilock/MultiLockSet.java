package dev.multilock;

import dev.multilock.spi.AbstractMultiLock;
import dev.multilock.spi.LockPin;
import dev.multilock.spi.ReadWriteView;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.time.Duration;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReadWriteLock;
import org.jspecify.annotations.Nullable;

/**
 * Several locks taken as one: every operation of {@link MultiLock} applies to all of them.
 *
 * <p>A set works on its <i>leaf</i> locks: its members, with member sets replaced by their own
 * leaves, each lock once. So {@code of(of(a, b), of(b, c))} and {@code of(a, b, c)} take the same
 * three locks, and {@code of(a, a)} takes {@code a} once.
 *
 * <ul>
 *   <li><b>No deadlock.</b> Every set acquires its leaves one after another in one global order
 *       (the order in which the locks were created), so two sets that share locks, acquired
 *       concurrently, cannot wait for each other in a cycle. The lock of a key
 *       ({@link KeyedMultiLock}) takes the place of its key's state, which the set keeps alive
 *       while it acquires, so keys need no order of their own.
 *   <li><b>All or nothing.</b> {@link #tryAcquire(MultiLockType)} either takes every leaf or
 *       leaves every leaf as it was. An {@link #acquire(MultiLockType) acquire} whose future is
 *       cancelled, or completed otherwise, withdraws the leaf request in flight and releases the
 *       leaves it already holds.
 *   <li><b>Shared with direct use.</b> Leaves stay ordinary locks: acquisitions taken directly on
 *       a leaf count as usual, for the set as for everyone else.
 *   <li>{@link #locked()} is the strongest mode over the leaves; {@link #queueLength()} counts
 *       the acquisitions of this set object that are waiting; the set's handle releases every
 *       leaf and its {@link Handle#downgrade() downgrade} downgrades each leaf, one at a time;
 *       the set's {@link #watch(MultiLockType) watch} is set when every leaf is acquirable.
 * </ul>
 *
 * <p>The set acquires leaf by leaf, so it is fair per leaf, not as a whole: while it waits for
 * one leaf it holds the leaves before it in the global order.
 *
 * <p>Progress and threads: as for each leaf, no method blocks or waits for another thread. The
 * future of a set acquisition that had to wait is completed on the thread that granted the last
 * leaf it waited for (or, with {@link #acquire(MultiLockType, Executor)}, on the executor);
 * leaves granted at once are taken in a loop, not by recursion, so a set of many locks needs no
 * deeper stack than a set of two.
 *
 * <p>Memory consistency effects: as for each leaf; the set's handle is complete only once every
 * leaf is acquired, so a release of any leaf happens-before the actions that follow the set
 * acquisition it enables.
 *
 * <pre>{@code
 * MultiLock accounts = MultiLockSet.of(from, to);   // order of arguments does not matter
 * accounts.withLock(MultiLockType.EXCLUSIVE, () -> transfer(from, to, amount));
 * }</pre>
 *
 * @since 0.1.0
 */
public final class MultiLockSet implements MultiLock {

    private final Set<MultiLock> members;
    /**
     * Flattened, each once (by {@code equals}, so that two locks of one key count once), in
     * global order as far as that is fixed: see {@link #pinLeaves()}.
     */
    private final AbstractMultiLock[] leaves;
    /** Acquisitions of this set that had to wait and are not done yet. */
    final AtomicInteger waiting = new AtomicInteger();
    /** The view of {@link #asReadWriteLock()}; one per set. */
    private final ReadWriteView readWriteView = new ReadWriteView(this);

    private MultiLockSet(Set<MultiLock> members, AbstractMultiLock[] leaves) {
        this.members = members;
        this.leaves = leaves;
    }

    /**
     * Returns a set of the given locks.
     *
     * @param locks the members, locks or sets, in any order; duplicates collapse
     * @return a new set
     * @throws NullPointerException if {@code locks} or any element is null
     * @throws IllegalArgumentException if {@code locks} is empty
     */
    public static MultiLockSet of(MultiLock... locks) {
        Objects.requireNonNull(locks, "locks");
        return of(Arrays.asList(locks));
    }

    /**
     * Returns a set of the given locks.
     *
     * @param locks the members, locks or sets, in any order; duplicates collapse
     * @return a new set
     * @throws NullPointerException if {@code locks} or any element is null
     * @throws IllegalArgumentException if {@code locks} is empty
     */
    public static MultiLockSet of(Collection<? extends MultiLock> locks) {
        Objects.requireNonNull(locks, "locks");
        if (locks.isEmpty()) {
            throw new IllegalArgumentException("A MultiLockSet needs at least one lock");
        }
        Set<MultiLock> members = new LinkedHashSet<>();
        // Plain locks are equal only to themselves; the locks of one key are equal to each other.
        Set<AbstractMultiLock> leaves = new LinkedHashSet<>();
        for (MultiLock lock : locks) {
            Objects.requireNonNull(lock, "locks contains null");
            members.add(lock);
            if (lock instanceof MultiLockSet set) {
                Collections.addAll(leaves, set.leaves);
            } else {
                leaves.add((AbstractMultiLock) lock);
            }
        }
        List<AbstractMultiLock> ordered = new ArrayList<>(leaves);
        ordered.sort(PIN_ORDER); // each plain lock is its own pin; keyed ones are sorted again
        return new MultiLockSet(
                Collections.unmodifiableSet(members), ordered.toArray(new AbstractMultiLock[0]));
    }

    /**
     * Returns the direct members of this set, as given to {@code of}, without duplicates.
     *
     * @return an unmodifiable set of the members
     */
    public Set<MultiLock> members() {
        return members;
    }

    /** The leaf locks, each once; the array is not to be modified. */
    AbstractMultiLock[] leaves() {
        return leaves;
    }

    /**
     * The order of acquisition: first the pins that other processes order too, by their shared
     * key, then the others by their place in this class loader's global order.
     */
    private static final Comparator<LockPin> PIN_ORDER = Comparator
            .comparing(LockPin::sharedOrder, Comparator.nullsLast(Comparator.naturalOrder()))
            .thenComparingLong(LockPin::globalOrder);

    /**
     * Pins every leaf ({@link AbstractMultiLock#pin()}) and returns the leaves in the global order
     * of their pins, which stays fixed until {@link PinnedLeaves#unpin()}. Most leaves are their
     * own pins, whose order {@link #of} has sorted already; the lock of a key is pinned to its
     * key's state, created now if the key is idle, and takes that state's place.
     *
     * @throws RuntimeException or Error from a pin (nothing stays pinned then)
     */
    PinnedLeaves pinLeaves() {
        LockPin[] pins = new LockPin[leaves.length];
        boolean moved = false;
        int pinned = 0;
        try {
            for (; pinned < leaves.length; pinned++) {
                pins[pinned] = leaves[pinned].pin();
                moved |= pins[pinned] != leaves[pinned];
            }
        } catch (RuntimeException | Error failure) {
            PinnedLeaves.unpin(pins, pinned);
            throw failure;
        }
        if (!moved) {
            return new PinnedLeaves(leaves, pins);
        }
        Integer[] byOrder = new Integer[leaves.length];
        for (int i = 0; i < byOrder.length; i++) {
            byOrder[i] = i;
        }
        Arrays.sort(byOrder, (i, j) -> PIN_ORDER.compare(pins[i], pins[j]));
        AbstractMultiLock[] sortedLeaves = new AbstractMultiLock[leaves.length];
        LockPin[] sortedPins = new LockPin[leaves.length];
        for (int i = 0; i < byOrder.length; i++) {
            sortedLeaves[i] = leaves[byOrder[i]];
            sortedPins[i] = pins[byOrder[i]];
        }
        return new PinnedLeaves(sortedLeaves, sortedPins);
    }

    /** Whether every leaf is acquirable in {@code type} now. */
    boolean isAcquirable(MultiLockType type) {
        for (AbstractMultiLock leaf : leaves) {
            if (!leaf.isAcquirable(type)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public MultiLockType locked() {
        MultiLockType max = MultiLockType.NONE;
        for (AbstractMultiLock leaf : leaves) {
            max = MultiLockType.max(max, leaf.locked());
        }
        return max;
    }

    /**
     * {@inheritDoc}
     *
     * <p>The leaves are requested one after another in the global order; the future completes
     * when the last one is granted. If a leaf request fails (for example a leaf's limit of
     * waiters), the leaves already held are released and the future completes exceptionally.
     */
    @Override
    public CompletableFuture<Handle> acquire(MultiLockType type) {
        Objects.requireNonNull(type, "type");
        return new SetAcquisition(this, type, null).start();
    }

    /**
     * {@inheritDoc}
     *
     * <p>Each leaf request that has to wait is completed on {@code executor}, and so is the set's
     * future if any leaf had to wait.
     */
    @Override
    public CompletableFuture<Handle> acquire(MultiLockType type, Executor executor) {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(executor, "executor");
        return new SetAcquisition(this, type, executor).start();
    }

    /**
     * {@inheritDoc}
     *
     * <p>All or nothing: if any leaf cannot be taken, the leaves taken before it are released
     * again and every leaf ends as it was.
     */
    @Override
    public Optional<Handle> tryAcquire(MultiLockType type) {
        Objects.requireNonNull(type, "type");
        PinnedLeaves pinned = pinLeaves();
        AbstractMultiLock[] ordered = pinned.leaves();
        @Nullable Handle[] held = new Handle[ordered.length];
        int taken = 0;
        try {
            for (; taken < ordered.length; taken++) {
                Optional<Handle> h = ordered[taken].tryAcquire(type);
                if (h.isEmpty()) {
                    return Optional.empty();
                }
                held[taken] = h.get();
            }
            Handle result = SetHandle.of(this, type, held);
            taken = 0; // handed over
            return Optional.of(result);
        } finally {
            SetHandle.releaseAll(held, taken);
            pinned.unpin(); // the holds, if any, keep what they hold
        }
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException if {@code handle} is not a handle of this set
     */
    @Override
    public boolean release(Handle handle) {
        Objects.requireNonNull(handle, "handle");
        if (!(handle instanceof SetHandle setHandle) || setHandle.lock() != this) {
            throw new IllegalArgumentException(handle + " is not a handle of " + this);
        }
        return setHandle.releaseLeaves();
    }

    /**
     * {@inheritDoc}
     *
     * <p>The set's watch is set when every leaf is acquirable, checked after each release,
     * withdrawal or downgrade on any leaf; leaves that become acquirable one at a time cause one
     * check each, never a busy loop.
     */
    @Override
    public Watch watch(MultiLockType type) {
        Objects.requireNonNull(type, "type");
        return new SetWatch(this, type);
    }

    @Override
    public CompletableFuture<Void> whenAcquirable(MultiLockType type) {
        Objects.requireNonNull(type, "type");
        if (isAcquirable(type)) {
            return CompletableFuture.completedFuture(null);
        }
        SetWatch watch = new SetWatch(this, type);
        CompletableFuture<Void> result = new CompletableFuture<>();
        // Two callbacks that cannot throw (close and complete throw nothing): the stages that
        // whenComplete returns carry nothing to check.
        var unused = result.whenComplete((v, failure) -> watch.close()); // done or cancelled
        var unusedToo = watch.awaitSet().whenComplete((v, failure) -> result.complete(null));
        return result;
    }

    @Override
    public ReadWriteLock asReadWriteLock() {
        return readWriteView;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Waits for each leaf in turn, in the global order, with the leaf's own {@code lock}; so
     * a lock-free leaf wakes this thread with its grant, and the wait needs no future.
     */
    @Override
    public Handle lock(MultiLockType type) {
        Objects.requireNonNull(type, "type");
        try {
            return Objects.requireNonNull(lockLeaves(type, false, false, 0L), "untimed");
        } catch (InterruptedException impossible) {
            throw new AssertionError("an uninterruptible wait threw", impossible);
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>Waits for each leaf in turn, in the global order; an interrupt while it waits for one
     * withdraws that request and releases the leaves already taken.
     */
    @Override
    public Handle lockInterruptibly(MultiLockType type) throws InterruptedException {
        Objects.requireNonNull(type, "type");
        if (Thread.interrupted()) {
            throw new InterruptedException(); // W4: no request, status cleared
        }
        return Objects.requireNonNull(lockLeaves(type, true, false, 0L), "untimed");
    }

    /**
     * {@inheritDoc}
     *
     * <p>Waits for each leaf in turn, in the global order, within one deadline; on timeout or
     * interrupt the request of the leaf waited for is withdrawn and the leaves already taken are
     * released.
     */
    @Override
    public Optional<Handle> tryLock(MultiLockType type, Duration timeout)
            throws InterruptedException {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isZero() || timeout.isNegative()) {
            return tryAcquire(type);
        }
        if (Thread.interrupted()) {
            throw new InterruptedException(); // W4: no request, status cleared
        }
        long nanos;
        try {
            nanos = timeout.toNanos();
        } catch (ArithmeticException tooLong) {
            nanos = Long.MAX_VALUE; // W4: waits without limit
        }
        boolean timed = nanos != Long.MAX_VALUE;
        return Optional.ofNullable(lockLeaves(type, true, timed, System.nanoTime() + nanos));
    }

    /**
     * Takes every leaf in the global order, waiting on this thread for each; null if the
     * deadline passed first. Whatever it does not return, it releases.
     */
    private @Nullable Handle lockLeaves(MultiLockType type, boolean interruptible,
            boolean timed, long deadline) throws InterruptedException {
        PinnedLeaves pinned = pinLeaves();
        AbstractMultiLock[] ordered = pinned.leaves();
        @Nullable Handle[] held = new Handle[ordered.length];
        int taken = 0;
        waiting.incrementAndGet();
        try {
            for (; taken < ordered.length; taken++) {
                AbstractMultiLock leaf = ordered[taken];
                if (timed) {
                    Optional<Handle> h = leaf.tryLock(type,
                            Duration.ofNanos(Math.max(0L, deadline - System.nanoTime())));
                    if (h.isEmpty()) {
                        return null;
                    }
                    held[taken] = h.get();
                } else {
                    held[taken] = interruptible ? leaf.lockInterruptibly(type) : leaf.lock(type);
                }
            }
            Handle result = SetHandle.of(this, type, held);
            taken = 0; // handed over
            return result;
        } finally {
            SetHandle.releaseAll(held, taken);
            pinned.unpin(); // the holds, if any, keep what they hold
            waiting.decrementAndGet();
        }
    }

    /** The number of acquisitions of this set that are waiting for a leaf. */
    @Override
    public int queueLength() {
        return waiting.get();
    }

    @Override
    public String toString() {
        return "MultiLockSet@" + Integer.toHexString(System.identityHashCode(this))
                + "[" + locked() + ", leaves=" + leaves.length + ", queued=" + waiting.get() + "]";
    }
}
