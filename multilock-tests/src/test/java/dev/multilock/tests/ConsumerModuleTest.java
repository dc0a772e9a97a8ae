package dev.multilock.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.module.ResolvedModule;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.spi.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The library as a consumer meets it (issue 6, "consumer check"): a small module outside this
 * build's test class path and module path, compiled against the built artifacts of
 * {@code multilock-api} and {@code multilock-lockfree} alone and run in a child JVM.
 *
 * <p>A consumer that {@code requires dev.multilock.lockfree} and names only {@code dev.multilock}
 * types compiles with {@code -Xlint:all -Werror} (so the optional JSpecify annotations, absent
 * here, cost it nothing) and gets a working lock from {@code MultiLock.create()}. The same
 * consumer cannot compile against the service-provider package or the implementation package,
 * nor implement the sealed {@code Handle}. With only the API module on the module path,
 * {@code create()} fails with an {@code IllegalStateException} that names the module to add.
 *
 * <p>The consumers are compiled with the JDK's own javac, in process, through
 * {@link ToolProvider} (the {@code java.compiler} module and its {@code javax.tools} are not
 * read by this test module), and run with the {@code java} launcher of the JDK running the test.
 */
@Timeout(value = 120, threadMode = ThreadMode.SEPARATE_THREAD)
final class ConsumerModuleTest {

    private static final String API_MODULE = "dev.multilock";
    private static final String IMPL_MODULE = "dev.multilock.lockfree";
    /** How long a consumer may run; it runs in well under a second. */
    private static final long RUN_SECONDS = 60;

    @TempDir
    Path dir;

    // ---- the built artifacts ----

    /** Where the boot layer found {@code module}: its jar, or its classes directory. */
    private static Path artifact(String module) {
        ResolvedModule resolved = ModuleLayer.boot().configuration().findModule(module)
                .orElseThrow(() -> new AssertionError(module + " is not in the boot layer"));
        URI location = resolved.reference().location()
                .orElseThrow(() -> new AssertionError(module + " has no location"));
        Path path = Path.of(location);
        assertTrue(Files.exists(path), module + " found at " + path);
        return path;
    }

    private static String modulePath(Path... entries) {
        List<String> parts = new ArrayList<>();
        for (Path p : entries) {
            parts.add(p.toString());
        }
        return String.join(File.pathSeparator, parts);
    }

    // ---- compiling and running a consumer ----

    /** The outcome of one javac run. */
    private record Compilation(int exitCode, String output) {}

    /** Writes {@code sources} (relative path to text) under {@code dir/name/src}. */
    private Path write(String name, Map<String, String> sources) throws IOException {
        Path src = dir.resolve(name).resolve("src");
        for (Map.Entry<String, String> e : sources.entrySet()) {
            Path file = src.resolve(e.getKey());
            Files.createDirectories(file.getParent());
            Files.writeString(file, e.getValue(), StandardCharsets.UTF_8);
        }
        return src;
    }

    /** Compiles the consumer {@code name} for Java 17 against {@code modulePath}. */
    private Compilation compile(String name, Map<String, String> sources, String modulePath)
            throws IOException {
        Path src = write(name, sources);
        Path out = dir.resolve(name).resolve("classes");
        List<String> args = new ArrayList<>(List.of(
                "--release", "17", "-Xlint:all", "-Werror", "-implicit:none",
                "--module-path", modulePath, "-d", out.toString()));
        for (String file : sources.keySet()) {
            args.add(src.resolve(file).toString());
        }
        ToolProvider javac = ToolProvider.findFirst("javac")
                .orElseThrow(() -> new AssertionError("this JDK has no javac tool"));
        StringWriter text = new StringWriter();
        PrintWriter writer = new PrintWriter(text);
        int exitCode = javac.run(writer, writer, args.toArray(new String[0]));
        writer.flush();
        return new Compilation(exitCode, text.toString());
    }

    /** The outcome of one child JVM. */
    private record Run(int exitCode, String output) {}

    /** Runs {@code mainClass} of {@code module} in a child JVM with only {@code modulePath}. */
    private static Run run(String modulePath, String module, String mainClass)
            throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "--module-path", modulePath,
                "-m", module + "/" + mainClass)
                .redirectErrorStream(true)
                .start();
        p.getOutputStream().close();
        boolean finished = p.waitFor(RUN_SECONDS, TimeUnit.SECONDS);
        if (!finished) {
            p.destroyForcibly();
        }
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(finished, "the consumer ends within " + RUN_SECONDS + " s: " + output);
        return new Run(p.exitValue(), output);
    }

    private static final String CONSUMER_MODULE = """
            module consumer {
                requires dev.multilock.lockfree;
            }
            """;

    // ---- the consumer that works ----

    @Test
    void consumerRequiringLockfree_compiledAndRunOnModulePath_createsWorkingLock()
            throws Exception {
        Path api = artifact(API_MODULE);
        Path impl = artifact(IMPL_MODULE);
        String main = """
                package consumer;

                import dev.multilock.Handle;
                import dev.multilock.MultiLock;
                import dev.multilock.MultiLockType;
                import java.util.concurrent.CompletableFuture;

                public final class Main {
                    public static void main(String[] args) {
                        MultiLock lock = MultiLock.create();
                        Handle reader = lock.tryAcquire(MultiLockType.SHARED).orElseThrow();
                        CompletableFuture<Handle> writer = lock.acquire(MultiLockType.EXCLUSIVE);
                        boolean waited = !writer.isDone();
                        reader.release();
                        try (Handle w = writer.join()) {
                            System.out.println("locked=" + lock.locked() + " held=" + w.type()
                                    + " waited=" + waited
                                    + " module=" + lock.getClass().getModule().getName());
                        }
                        System.out.println("after=" + lock.locked());
                    }
                }
                """;
        Compilation c = compile("consumer",
                Map.of("module-info.java", CONSUMER_MODULE, "consumer/Main.java", main),
                modulePath(api, impl));
        assertEquals(0, c.exitCode(),
                "a consumer naming only dev.multilock types compiles cleanly with -Xlint:all"
                        + " -Werror and without the JSpecify jar: " + c.output());
        assertEquals("", c.output().strip(), "javac says nothing at all");

        Run r = run(modulePath(dir.resolve("consumer").resolve("classes"), api, impl),
                "consumer", "consumer.Main");
        assertEquals(0, r.exitCode(), r.output());
        String expected = "locked=EXCLUSIVE held=EXCLUSIVE waited=true module=" + IMPL_MODULE;
        assertTrue(r.output().contains(expected),
                "MultiLock.create() found the lock-free implementation, which queued the writer"
                        + " behind the reader: " + r.output());
        assertTrue(r.output().contains("after=NONE"), r.output());
    }

    // ---- a runtime without JDK Flight Recorder ----

    /**
     * The lock-free module requires {@code jdk.jfr} only statically, for its
     * {@code dev.multilock.Wait} event: on a runtime image without {@code jdk.jfr} (made with
     * {@code jlink} from this JDK's {@code jmods}) a consumer whose requests queue, asynchronously
     * and on threads, works. A JDK without {@code jmods} (such as one that links its own runtime)
     * runs the same consumer with {@code --limit-modules}, which leaves {@code jdk.jfr} out of the
     * boot layer just the same.
     */
    @Test
    void consumerWhoseRequestsQueue_runtimeWithoutJfr_works() throws Exception {
        Path api = artifact(API_MODULE);
        Path impl = artifact(IMPL_MODULE);
        String main = """
                package consumer;

                import dev.multilock.Handle;
                import dev.multilock.MultiLock;
                import dev.multilock.MultiLockType;
                import java.util.concurrent.CompletableFuture;

                public final class Main {
                    public static void main(String[] args) throws Exception {
                        MultiLock lock = MultiLock.create();
                        Handle writer = lock.lock(MultiLockType.EXCLUSIVE);
                        CompletableFuture<Handle> queued = lock.acquire(MultiLockType.SHARED);
                        Thread waiter = new Thread(() -> lock.lock(MultiLockType.SHARED).release());
                        waiter.start();
                        while (lock.queueLength() < 2) {
                            Thread.onSpinWait();
                        }
                        writer.release();
                        queued.join().release();
                        waiter.join();
                        System.out.println("jfr=" + ModuleLayer.boot().findModule("jdk.jfr")
                                .isPresent() + " after=" + lock.locked() + " queued="
                                + lock.queueLength());
                    }
                }
                """;
        Compilation c = compile("nojfr",
                Map.of("module-info.java", CONSUMER_MODULE, "consumer/Main.java", main),
                modulePath(api, impl));
        assertEquals(0, c.exitCode(), c.output());
        Path classes = dir.resolve("nojfr").resolve("classes");
        Path jmods = Path.of(System.getProperty("java.home"), "jmods");
        Run r;
        if (Files.isDirectory(jmods)) {
            Path image = dir.resolve("image");
            ToolProvider jlink = ToolProvider.findFirst("jlink")
                    .orElseThrow(() -> new AssertionError("this JDK has no jlink tool"));
            StringWriter text = new StringWriter();
            int exit = jlink.run(new PrintWriter(text), new PrintWriter(text), "--module-path",
                    modulePath(jmods, api, impl, classes), "--add-modules", "consumer",
                    "--no-header-files", "--no-man-pages", "--output", image.toString());
            assertEquals(0, exit, "jlink: " + text);
            r = runWith(image.resolve("bin").resolve("java"),
                    List.of("-m", "consumer/consumer.Main"));
        } else {
            r = runWith(Path.of(System.getProperty("java.home"), "bin", "java"), List.of(
                    "--module-path", modulePath(classes, api, impl), "--limit-modules",
                    "java.base,consumer", "-m", "consumer/consumer.Main"));
        }
        assertEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().contains("jfr=false after=NONE queued=0"),
                "without jdk.jfr the queued requests are granted as ever: " + r.output());
    }

    /** Runs {@code java} with {@code args} in a child process, bounded in time. */
    private static Run runWith(Path java, List<String> args)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(java.toString());
        command.addAll(args);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        boolean finished = p.waitFor(RUN_SECONDS, TimeUnit.SECONDS);
        if (!finished) {
            p.destroyForcibly();
        }
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(finished, "the consumer ends within " + RUN_SECONDS + " s: " + output);
        return new Run(p.exitValue(), output);
    }

    // ---- what the consumer cannot see ----

    @Test
    void consumerNamingSpi_compiled_failsAsSpiIsNotExportedToIt() throws Exception {
        String main = """
                package consumer;

                public final class Main {
                    static dev.multilock.spi.MultiLockProvider provider;
                }
                """;
        Compilation c = compile("spi",
                Map.of("module-info.java", CONSUMER_MODULE, "consumer/Main.java", main),
                modulePath(artifact(API_MODULE), artifact(IMPL_MODULE)));
        assertNotEquals(0, c.exitCode(), "dev.multilock.spi must stay hidden: " + c.output());
        assertTrue(c.output().contains("package dev.multilock.spi is not visible"), c.output());
        assertTrue(c.output().contains("does not export it to module consumer"), c.output());
    }

    @Test
    void consumerNamingImplementation_compiled_failsAsPackageIsNotExported() throws Exception {
        String main = """
                package consumer;

                public final class Main {
                    static dev.multilock.lockfree.LockFreeMultiLockProvider provider;
                }
                """;
        Compilation c = compile("impl",
                Map.of("module-info.java", CONSUMER_MODULE, "consumer/Main.java", main),
                modulePath(artifact(API_MODULE), artifact(IMPL_MODULE)));
        assertNotEquals(0, c.exitCode(),
                "dev.multilock.lockfree must stay hidden: " + c.output());
        assertTrue(c.output().contains("package dev.multilock.lockfree is not visible"),
                c.output());
        assertTrue(c.output().contains("does not export it"), c.output());
    }

    @Test
    void consumerImplementingHandle_compiled_failsAsHandleIsSealed() throws Exception {
        String forged = """
                package consumer;

                import dev.multilock.Handle;
                import dev.multilock.MultiLock;
                import dev.multilock.MultiLockType;

                final class Forged implements Handle {
                    public MultiLock lock() { throw new UnsupportedOperationException(); }
                    public MultiLockType type() { return MultiLockType.EXCLUSIVE; }
                    public boolean isHeld() { return true; }
                    public boolean downgrade() { return false; }
                }
                """;
        Compilation c = compile("forged",
                Map.of("module-info.java", CONSUMER_MODULE, "consumer/Forged.java", forged),
                modulePath(artifact(API_MODULE), artifact(IMPL_MODULE)));
        assertNotEquals(0, c.exitCode(), "no module but the API's can mint handles: "
                + c.output());
        assertTrue(c.output().contains("not allowed to extend sealed class"), c.output());
    }

    // ---- no implementation installed ----

    @Test
    void create_onlyApiModuleOnModulePath_throwsIllegalStateExceptionNamingLockfree()
            throws Exception {
        Path api = artifact(API_MODULE);
        String module = """
                module consumer {
                    requires dev.multilock;
                }
                """;
        String main = """
                package consumer;

                import dev.multilock.MultiLock;

                public final class Main {
                    public static void main(String[] args) {
                        try {
                            System.out.println("created " + MultiLock.create());
                        } catch (IllegalStateException e) {
                            System.out.println("refused: " + e.getMessage());
                        }
                    }
                }
                """;
        Compilation c = compile("apionly",
                Map.of("module-info.java", module, "consumer/Main.java", main),
                modulePath(api));
        assertEquals(0, c.exitCode(), c.output());

        Run r = run(modulePath(dir.resolve("apionly").resolve("classes"), api),
                "consumer", "consumer.Main");
        assertEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().startsWith("refused: "),
                "MultiLock.create() throws IllegalStateException: " + r.output());
        assertTrue(r.output().contains("add the module " + IMPL_MODULE),
                "the message names the module to add: " + r.output());
    }
}
