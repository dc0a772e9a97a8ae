package dev.multilock.benchmarks;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.ThreadFactory;

/**
 * Virtual threads for a module compiled with {@code --release 17}: {@code Thread.ofVirtual()} is
 * looked up by method handles when a benchmark asks for it, and fails with a message that says
 * which JDK to run instead on a JDK older than 21.
 */
final class VirtualThreads {

    /** The first JDK whose virtual threads are not a preview. */
    static final int FIRST_JDK = 21;

    private VirtualThreads() {}

    /**
     * Tells whether this JVM has virtual threads.
     *
     * @return {@code true} on JDK 21 and later
     */
    static boolean supported() {
        return Runtime.version().feature() >= FIRST_JDK;
    }

    /**
     * Returns a factory of unstarted virtual threads, {@code Thread.ofVirtual().name(prefix,
     * 0).factory()}.
     *
     * @param prefix the prefix of the threads' names, followed by a counter
     * @return the factory
     * @throws UnsupportedOperationException on a JDK older than 21, saying how to run it
     */
    static ThreadFactory factory(String prefix) {
        if (!supported()) {
            throw new UnsupportedOperationException("virtual threads need JDK " + FIRST_JDK
                    + " or newer; this JVM is " + Runtime.version() + " ("
                    + System.getProperty("java.home") + "). Run the benchmark on such a JDK,"
                    + " e.g. JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64"
                    + " multilock-benchmarks/run.sh vthreads");
        }
        try {
            MethodHandles.Lookup lookup = MethodHandles.publicLookup();
            Class<?> builder = Class.forName("java.lang.Thread$Builder");
            Class<?> ofVirtual = Class.forName("java.lang.Thread$Builder$OfVirtual");
            MethodHandle create = lookup.findStatic(Thread.class, "ofVirtual",
                    MethodType.methodType(ofVirtual));
            MethodHandle name = lookup.findVirtual(builder, "name",
                    MethodType.methodType(builder, String.class, long.class));
            MethodHandle factory = lookup.findVirtual(builder, "factory",
                    MethodType.methodType(ThreadFactory.class));
            Object named = name.invoke(create.invoke(), prefix, 0L);
            return (ThreadFactory) factory.invoke(named);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("cannot create virtual threads on "
                    + Runtime.version(), e);
        }
    }
}
