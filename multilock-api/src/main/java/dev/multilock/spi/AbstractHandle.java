package dev.multilock.spi;

import dev.multilock.Handle;

/**
 * The base of every handle an implementation mints; the type that the sealed {@link Handle}
 * permits for implementations.
 *
 * <p>Handles are compared by identity: implementations must not override {@code equals} or
 * {@code hashCode}.
 *
 * @since 0.1.0
 */
public abstract non-sealed class AbstractHandle implements Handle {

    /** Creates a handle. */
    protected AbstractHandle() {}

    @Override
    public final boolean equals(Object other) {
        return this == other;
    }

    @Override
    public final int hashCode() {
        return System.identityHashCode(this);
    }
}
