/**
 * The service-provider interface of multilock, exported only to the implementation module
 * {@code dev.multilock.lockfree}.
 *
 * <p>{@link dev.multilock.MultiLock} and {@link dev.multilock.Handle} are sealed; a sealed type can
 * only permit types of its own module, so each permits a {@code non-sealed} abstract base here. As
 * no other module can see this package, no other module can implement a lock or forge a handle.
 * {@link dev.multilock.spi.MultiLockProvider} is the service that
 * {@link dev.multilock.MultiLock#create()} loads.
 *
 * <p>The package is {@code @NullMarked}: no parameter or return value is null unless its type
 * says {@code @Nullable}.
 *
 * @since 0.1.0
 */
@NullMarked
package dev.multilock.spi;

import org.jspecify.annotations.NullMarked;
