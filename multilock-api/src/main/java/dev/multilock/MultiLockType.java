package dev.multilock;

import java.util.Objects;

/**
 * The mode in which a {@link MultiLock} is requested or held.
 *
 * <p>The modes are ordered by strength, {@code NONE < SHARED < EXCLUSIVE}, and relate to each
 * other by a small algebra taken from the original Python package, asyncio-multilock:
 *
 * <table class="striped">
 *   <caption>{@code a.excludes(b)}: can a holder in mode {@code a} keep out a request for
 *   {@code b}?</caption>
 *   <thead>
 *     <tr><th scope="col">a \ b</th><th scope="col">NONE</th><th scope="col">SHARED</th>
 *       <th scope="col">EXCLUSIVE</th></tr>
 *   </thead>
 *   <tbody>
 *     <tr><th scope="row">NONE</th><td>no</td><td>no</td><td>no</td></tr>
 *     <tr><th scope="row">SHARED</th><td>no</td><td>no</td><td>yes</td></tr>
 *     <tr><th scope="row">EXCLUSIVE</th><td>yes</td><td>yes</td><td>yes</td></tr>
 *   </tbody>
 * </table>
 *
 * <p>So a {@code NONE} acquisition waits only while the lock is held {@code EXCLUSIVE}; once
 * granted it keeps nothing out and does not show in {@link MultiLock#locked()}. It is the way to
 * wait for "no writer" without becoming a reader.
 *
 * <p>Memory consistency effects: none; the modes are immutable constants, and their methods
 * only compute.
 *
 * @since 0.1.0
 */
public enum MultiLockType {
    /** Not acquired; as a request, "wait until no exclusive holder", and keeps nothing out. */
    NONE,
    /** Acquired by one or more holders at once; keeps out {@link #EXCLUSIVE} requests. */
    SHARED,
    /** Acquired by exactly one holder; keeps out every request, {@link #NONE} included. */
    EXCLUSIVE;

    /**
     * Tells whether a lock held in this mode keeps out a request for {@code other}: true when this
     * mode is not {@link #NONE} and either side is {@link #EXCLUSIVE}.
     *
     * @param other the requested mode
     * @return {@code this != NONE && (this == EXCLUSIVE || other == EXCLUSIVE)}
     * @throws NullPointerException if {@code other} is null
     */
    public boolean excludes(MultiLockType other) {
        Objects.requireNonNull(other, "other");
        return this != NONE && (this == EXCLUSIVE || other == EXCLUSIVE);
    }

    /**
     * Tells whether a lock held in this mode lets a request for {@code other} in beside it: true
     * when this mode is {@link #NONE}, or when neither side is {@link #EXCLUSIVE}.
     *
     * <p>For every pair of modes this is the negation of {@link #excludes}; both are kept so that
     * code ported from asyncio-multilock reads the same.
     *
     * @param other the requested mode
     * @return {@code this == NONE || (this != EXCLUSIVE && other != EXCLUSIVE)}
     * @throws NullPointerException if {@code other} is null
     */
    public boolean includes(MultiLockType other) {
        Objects.requireNonNull(other, "other");
        return this == NONE || (this != EXCLUSIVE && other != EXCLUSIVE);
    }

    /**
     * Returns the stronger of two modes.
     *
     * @param a one mode
     * @param b another mode
     * @return {@code a} if it is at least as strong as {@code b}, else {@code b}
     * @throws NullPointerException if either argument is null
     */
    public static MultiLockType max(MultiLockType a, MultiLockType b) {
        Objects.requireNonNull(a, "a");
        Objects.requireNonNull(b, "b");
        return a.compareTo(b) >= 0 ? a : b;
    }
}
