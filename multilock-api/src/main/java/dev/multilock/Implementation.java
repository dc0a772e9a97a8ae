package dev.multilock;

import dev.multilock.spi.MultiLockProvider;
import java.util.Iterator;
import java.util.ServiceLoader;
import org.jspecify.annotations.Nullable;

/** Finds and caches the installed {@link MultiLockProvider} for {@link MultiLock#create()}. */
final class Implementation {

    /** The module that provides the implementation, named in the error message. */
    static final String MODULE = "dev.multilock.lockfree";

    /** The provider found by the first {@link #provider()}; null until then. */
    private static volatile @Nullable MultiLockProvider provider;

    private Implementation() {}

    static MultiLockProvider provider() {
        MultiLockProvider p = provider;
        if (p == null) {
            // benign race: two threads may both load; either result serves equally
            p = load(ServiceLoader.load(MultiLockProvider.class, MultiLock.class.getClassLoader()));
            provider = p;
        }
        return p;
    }

    /**
     * Returns the first provider of {@code loader}, or fails saying what to add.
     *
     * @throws IllegalStateException if the loader finds no provider
     */
    static MultiLockProvider load(Iterable<MultiLockProvider> loader) {
        Iterator<MultiLockProvider> it = loader.iterator();
        if (!it.hasNext()) {
            throw new IllegalStateException("No MultiLock implementation is installed: add the"
                    + " module " + MODULE + " (Maven artifact dev.multilock:multilock-lockfree) to"
                    + " the module path, or its jar to the class path");
        }
        return it.next();
    }
}
