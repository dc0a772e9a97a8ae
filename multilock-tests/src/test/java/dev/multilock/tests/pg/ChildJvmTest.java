package dev.multilock.tests.pg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multilock.tests.pg.PostgresServer.AdvisoryLock;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Child JVMs started by {@link ChildJvm}: they run a main class of the test module on the same
 * module path, talk through their standard streams, obey signals and are killed on close; and a
 * child that holds an advisory lock loses it to the server as soon as it is killed.
 */
@Tag("multiprocess")
@ExtendWith(PostgresExtension.class)
@Timeout(value = 120, threadMode = ThreadMode.SEPARATE_THREAD)
final class ChildJvmTest {

    /** Generous for a JVM start on a loaded 2-core machine; a child takes well under 1 s. */
    private static final Duration START = Duration.ofSeconds(60);
    private static final Duration EXIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @Test
    void command_underSurefire_copiesModulePathPatchAndMainModule() {
        List<String> command = ChildJvm.builder(EchoChild.class).args("x").command();
        System.out.println("test JVM input arguments: "
                + ManagementFactory.getRuntimeMXBean().getInputArguments());
        System.out.println("child JVM command: " + command);
        String modulePath = System.getProperty("jdk.module.path");
        assertTrue(modulePath != null && !modulePath.isEmpty(), "the tests run on a module path");
        assertEquals(modulePath, command.get(command.indexOf("--module-path") + 1));
        assertTrue(command.stream()
                .anyMatch(a -> a.startsWith("--patch-module=dev.multilock.tests=")),
                "the test classes are patched into the test module: " + command);
        assertEquals(List.of("-m", "dev.multilock.tests/" + EchoChild.class.getName(), "x"),
                command.subList(command.size() - 3, command.size()));
    }

    @Test
    void moduleOptions_joinedAndSplitForms_keepsModuleSystemOptionsOnly() {
        List<String> in = List.of("-Xmx1g", "--patch-module=m=/p", "-XX:+EnableDynamicAgentLoading",
                "--add-opens", "m/p=ALL-UNNAMED", "-Dx=y", "--add-modules=ALL-MODULE-PATH",
                "--add-reads=m=ALL-UNNAMED", "-javaagent:/a.jar", "--add-exports=a/b=c");
        assertEquals(List.of("--patch-module=m=/p", "--add-opens=m/p=ALL-UNNAMED",
                "--add-modules=ALL-MODULE-PATH", "--add-reads=m=ALL-UNNAMED",
                "--add-exports=a/b=c"), ChildJvm.moduleOptions(in));
    }

    @Test
    void start_echoChild_runsInTestModuleWithArgumentsAndStatus() throws IOException {
        try (ChildJvm child = ChildJvm.builder(EchoChild.class).args("a b", "c")
                .outputDirectory(dir).name("echo").start()) {
            assertEquals("module=dev.multilock.tests", child.awaitLine("module=", START));
            assertEquals("args=[a b, c]", child.awaitLine("args=", START));
            child.awaitLine("ready", START);
            child.send("hello");
            assertEquals("echo hello", child.awaitLine("echo ", START));
            child.send("exit 7");
            assertEquals(7, child.awaitExit(EXIT));
            assertEquals(List.of("module=dev.multilock.tests", "args=[a b, c]", "ready",
                    "echo hello"), Files.readAllLines(child.stdoutFile(), StandardCharsets.UTF_8));
            assertTrue(Files.exists(child.stderrFile()));
            assertTrue(Files.exists(dir.resolve("echo.command")));
        }
    }

    @Test
    void kill_stopThenCont_childFreezesAndResumes() {
        try (ChildJvm child = ChildJvm.builder(EchoChild.class).outputDirectory(dir).start()) {
            child.awaitLine("ready", START);
            child.kill(ChildJvm.Signal.STOP);
            Poll.until(Duration.ofSeconds(5), () -> processState(child.pid()), "T"::equals,
                    "the child is stopped (state T in /proc/<pid>/stat)");
            child.send("while stopped");
            child.kill(ChildJvm.Signal.CONT);
            assertEquals("echo while stopped", child.awaitLine("echo ", START));
            assertTrue(child.isAlive());
        }
    }

    @Test
    void close_runningChild_killsIt() {
        ChildJvm child = ChildJvm.builder(EchoChild.class).outputDirectory(dir).start();
        long pid;
        try (child) {
            child.awaitLine("ready", START);
            pid = child.pid();
        }
        assertFalse(child.isAlive());
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
    }

    @Test
    @Tag("postgres")
    void advisoryLock_childKilledWithSigkill_lockGoneWithin2s(PostgresDatabase db) {
        long key = 0x6D75_6C74_696C_6F63L;
        try (ChildJvm child = ChildJvm.builder(AdvisoryLockChild.class)
                .args(db.jdbcUrl(), Long.toString(key)).outputDirectory(dir).name("holder")
                .start()) {
            String locked = child.awaitLine("locked ", START);
            int backend = Integer.parseInt(locked.substring("locked ".length()));
            List<AdvisoryLock> locks = db.advisoryLocks();
            assertTrue(locks.stream().anyMatch(l -> l.pid() == backend && l.key() == key
                    && l.isExclusive() && l.granted()),
                    "the parent sees the child's lock in pg_locks: " + locks);

            long killed = System.nanoTime();
            child.kill(ChildJvm.Signal.KILL);
            Poll.until(Duration.ofSeconds(2), db::advisoryLocks,
                    all -> all.stream().noneMatch(l -> l.key() == key),
                    "the server releases a killed child's lock");
            long millis = (System.nanoTime() - killed) / 1_000_000;
            assertEquals(137, child.awaitExit(EXIT), "128 + SIGKILL");
            System.out.println("lock of the killed child gone after " + millis + " ms");
        }
    }

    /** The state letter of a process in /proc/<pid>/stat (Linux): R, S, T, Z... */
    private static String processState(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return stat.substring(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
        } catch (IOException e) {
            return "gone: " + e;
        }
    }
}
