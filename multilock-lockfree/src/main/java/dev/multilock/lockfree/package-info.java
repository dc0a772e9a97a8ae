/**
 * The lock-free implementation of {@link dev.multilock.MultiLock}; not exported.
 *
 * <p>Applications never name these types: {@link dev.multilock.MultiLock#create()} reaches
 * {@link dev.multilock.lockfree.LockFreeMultiLockProvider} through the service loader. The lock
 * keeps its holders and waiter count in one {@code long} changed only by compare-and-set, queues
 * waiters on a Treiber stack that the thread granting them turns into a first-in, first-out
 * queue, and completes their futures through a per-thread trampoline, so that a chain of
 * hand-offs runs in constant stack depth. {@code LockFreeMultiLock}'s implementation notes give
 * the state word, the waiter states, the linearization points and each race.
 *
 * @since 0.1.0
 */
@NullMarked
package dev.multilock.lockfree;

import org.jspecify.annotations.NullMarked;
