package dev.multilock.postgres;

import java.sql.SQLException;

/**
 * How a failure of the database surfaces: a pending acquisition fails with it, a synchronous
 * call ({@code tryAcquire}) throws it. The cause, when the database reported one, is the
 * {@link SQLException}.
 *
 * <p>It does not report the loss of a lock that was held: a held handle learns that through
 * {@link Lease#lost()}.
 *
 * @since 0.1.0
 */
public final class PostgresLockException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception for a failure that is not the database's (the instance was closed).
     *
     * @param message what failed
     */
    public PostgresLockException(String message) {
        super(message);
    }

    /**
     * Creates an exception for a failure of the database.
     *
     * @param message what failed
     * @param cause the database's exception, usually an {@link SQLException}
     */
    public PostgresLockException(String message, Throwable cause) {
        super(message, cause);
    }
}
