package dev.multilock.lockfree;

import dev.multilock.MultiLock;
import dev.multilock.spi.AbstractMultiLock;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The state of one key of a {@link LockFreeKeyedMultiLock}: a {@link LockFreeMultiLock} that
 * counts its uses and drops itself from its family when the last use ends.
 *
 * <p>Users never see this object: they reach it through a {@link KeyView}, and its handles report
 * a {@code KeyView} as their lock.
 */
final class KeyedLock<K> extends LockFreeMultiLock {
    /*
     * Implementation notes.
     *
     * uses (int; changed only by CAS): how many things keep this state alive. Each counts one:
     *   - a hold (granted at once, or a waiter once granted; a NONE hold too);
     *   - a waiting request (from the CAS that counts it as waiting until its withdrawal);
     *   - an open watch, a registered whenAcquirable future;
     *   - a pin: a lock set's, for the length of one set operation, or a KeyView's, for the few
     *     instructions between finding this state and handing the use over to one of the above.
     * A KeyView takes the use before it calls the lock (tryPin, or a fresh state created with
     * uses = 1), and the lock hands it over to what the call creates, or gives it back (unpin)
     * if the call creates nothing. Whoever ends a thing gives back its use, after the last
     * change it makes to the lock word (endHold, withdraw, unregister).
     *
     *   1.. ──unpin()/endHold() of the last use──> DEAD   (one CAS; never leaves DEAD)
     *
     * DEAD is final: tryPin refuses a DEAD state, so nothing can be added to it, and the thread
     * that killed it removes it from the family's map with remove(key, this). A state is live
     * (uses > 0) only while it is the map's value for its key: it entered the map alive (by
     * putIfAbsent) and leaves only dead. So at most one live state exists per key at any moment,
     * and every hold, waiter and watch of the key is on it: exclusion and FIFO per key are those
     * of one LockFreeMultiLock (API.md K3). A thread that finds a DEAD state in the map does not
     * wait for its killer: it removes it too (idempotent) and creates or finds the next one.
     *
     * Why nothing is lost when a state dies: every user-visible thing that could still act on it
     * has given back its use. A released handle, a withdrawn waiter and a closed watch change
     * nothing when used again (their own once-only CASes), and a drain in progress runs inside
     * an operation whose use has not been given back yet.
     *
     * Sole hold (endHold): a release whose hold is the only use (uses == 1) kills the state at
     * once, without subtracting the hold from the lock word: nobody waits or watches, and
     * nobody can any more. Readers (KeyView) therefore treat the word of a DEAD state as
     * meaningless: they read the word, then check that the state is not DEAD.
     *
     * Ordering: uses is volatile and CAS-only. The creating thread writes uses = 1 and the lock
     * word in plain mode; the map's insertion publishes both.
     */

    private static final int DEAD = -1;

    final LockFreeKeyedMultiLock<K> family;
    final K key;
    @SuppressWarnings("unused") // accessed through USES
    private volatile int uses;

    /**
     * Creates the state of {@code key} with one use, whose holds are {@code initialState}: 0 for
     * a state created to be pinned, or the hold of the acquisition that creates it.
     */
    KeyedLock(LockFreeKeyedMultiLock<K> family, K key, long initialState) {
        super(initialState);
        this.family = family;
        this.key = key;
        USES.set(this, 1); // published with the state by the map's insertion
    }

    /**
     * Adds a use, unless the state is dead.
     *
     * @return false if the state is dead: the caller must find or create the key's next state
     * @throws IllegalStateException if the key has {@link Integer#MAX_VALUE} uses already
     */
    boolean tryPin() {
        for (;;) {
            int u = (int) USES.getVolatile(this);
            if (u == DEAD) {
                return false;
            }
            if (u == Integer.MAX_VALUE) {
                throw new IllegalStateException("Too many uses of the lock of key " + key);
            }
            if (USES.weakCompareAndSet(this, u, u + 1)) {
                return true;
            }
        }
    }

    /** Whether the last use has ended; then the lock word means nothing any more. */
    boolean isDead() {
        return (int) USES.getVolatile(this) == DEAD;
    }

    /** Pins this state; lock sets pin it through its {@link KeyView}, which finds it anew. */
    @Override
    public AbstractMultiLock pin() {
        if (!tryPin()) {
            throw new IllegalStateException("The state of key " + key + " has been dropped");
        }
        return this;
    }

    /** Gives back one use; the last one kills the state and drops it from the family. */
    @Override
    public void unpin() {
        for (;;) {
            int u = (int) USES.getVolatile(this);
            if (u == 1) {
                if (USES.weakCompareAndSet(this, 1, DEAD)) {
                    family.drop(this);
                    return;
                }
            } else if (USES.weakCompareAndSet(this, u, u - 1)) {
                return;
            }
        }
    }

    @Override
    void endHold(long unit) {
        if ((int) USES.getVolatile(this) == 1 && USES.compareAndSet(this, 1, DEAD)) {
            family.drop(this); // the hold was the only use: the state dies with it
            return;
        }
        releaseHold(unit);
        unpin();
    }

    @Override
    MultiLock publicLock() {
        return new KeyView<>(family, key);
    }

    /** A keyed lock's events name its key (API.md, "Observability"). */
    @Override
    String eventName() {
        return String.valueOf(key);
    }

    @Override
    String name() {
        return "MultiLock(" + key + ")";
    }

    // VarHandle mechanics
    private static final VarHandle USES;
    static {
        try {
            USES = MethodHandles.lookup().findVarHandle(KeyedLock.class, "uses", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
