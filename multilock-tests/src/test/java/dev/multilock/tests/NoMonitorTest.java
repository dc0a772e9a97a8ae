package dev.multilock.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.module.ModuleReader;
import java.lang.module.ResolvedModule;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * API.md W1 and issue 11: no {@code synchronized} anywhere in the library, so that a virtual
 * thread never waits for a monitor of multilock (before JDK 24 such a wait pins its carrier) and
 * a platform thread never blocks on one. Checked on the compiled classes of the published
 * modules, as the JVM sees them: {@code javap} (the JDK's class file disassembler, through
 * {@link ToolProvider}) prints every method with its modifiers and code; no method may be
 * {@code synchronized} and no code may hold a {@code monitorenter}. A negative control compiles
 * a class with a synchronized method and a synchronized block and requires the same check to
 * find both.
 */
final class NoMonitorTest {

    /** The modules whose code runs inside a lock operation or a wait for one. */
    private static final List<String> MODULES = List.of(
            "dev.multilock", "dev.multilock.lockfree", "dev.multilock.postgres");

    /** A method declaration line of {@code javap -p -c} with the synchronized modifier. */
    private static final Pattern SYNCHRONIZED_METHOD = Pattern.compile(
            "^\\s+(?:\\w+\\s+)*synchronized\\s.*\\(.*", Pattern.MULTILINE);
    /** An instruction line of {@code javap -c}. */
    private static final Pattern MONITOR_ENTER = Pattern.compile(
            "^\\s+\\d+: monitorenter\\b", Pattern.MULTILINE);

    @TempDir
    Path dir;

    @Test
    void modules_noSynchronizedMethodAndNoMonitorEnter() throws IOException {
        int classes = 0;
        List<String> found = new ArrayList<>();
        for (String module : MODULES) {
            List<Path> files = extractClasses(module, dir.resolve(module));
            assertFalse(files.isEmpty(), module + " has classes");
            classes += files.size();
            found.addAll(monitors(files));
        }
        System.out.printf("NoMonitorTest: %d classes of %s disassembled, %d monitors%n", classes,
                MODULES, found.size());
        assertEquals(List.of(), found, "W1: the library must not use synchronized");
    }

    @Test
    void control_classWithSynchronizedMethodAndBlock_bothFound() throws IOException {
        Path src = dir.resolve("src").resolve("Planted.java");
        Files.createDirectories(src.getParent());
        Files.writeString(src, String.join("\n",
                "final class Planted {",
                "    private int n;",
                "    synchronized void method() { n++; }",
                "    void block() { synchronized (this) { n--; } }",
                "}"), StandardCharsets.UTF_8);
        Path out = dir.resolve("out");
        StringWriter text = new StringWriter();
        int exitCode = tool("javac").run(new PrintWriter(text), new PrintWriter(text),
                "--release", "17", "-d", out.toString(), src.toString());
        assertEquals(0, exitCode, () -> "javac: " + text);

        List<String> found = monitors(List.of(out.resolve("Planted.class")));

        assertEquals(2, found.size(), () -> "the check must see both monitors: " + found);
        assertTrue(found.get(0).contains("synchronized void method()"), found::toString);
        assertTrue(found.get(1).contains("monitorenter"), found::toString);
    }

    /** Copies the class files of {@code module}, as the boot layer found it, under {@code to}. */
    private static List<Path> extractClasses(String module, Path to) throws IOException {
        ResolvedModule resolved = ModuleLayer.boot().configuration().findModule(module)
                .orElseThrow(() -> new AssertionError(module + " is not in the boot layer"));
        List<Path> files = new ArrayList<>();
        try (ModuleReader reader = resolved.reference().open();
                Stream<String> names = reader.list()) {
            for (String name : (Iterable<String>) names::iterator) {
                if (!name.endsWith(".class") || name.equals("module-info.class")) {
                    continue;
                }
                Optional<InputStream> in = reader.open(name);
                Path file = to.resolve(name);
                Files.createDirectories(file.getParent());
                try (InputStream s = in.orElseThrow()) {
                    Files.copy(s, file);
                }
                files.add(file);
            }
        }
        return files;
    }

    /** The synchronized methods and monitorenter instructions {@code javap} finds in files. */
    private static List<String> monitors(List<Path> files) {
        List<String> args = new ArrayList<>(List.of("-p", "-c"));
        for (Path f : files) {
            args.add(f.toString());
        }
        StringWriter text = new StringWriter();
        int exitCode = tool("javap").run(new PrintWriter(text), new PrintWriter(text),
                args.toArray(new String[0]));
        String listing = text.toString();
        assertEquals(0, exitCode, () -> "javap: " + listing);
        assertTrue(listing.contains("Code:"), () -> "javap printed code: " + listing);
        List<String> found = new ArrayList<>();
        SYNCHRONIZED_METHOD.matcher(listing).results().forEach(m -> found.add(m.group().trim()));
        String currentClass = "";
        String currentMethod = "";
        for (String line : listing.split("\n")) {
            if (line.startsWith("Compiled from") || line.isBlank()) {
                continue;
            }
            if (!line.startsWith(" ")) {
                currentClass = line.trim();
            } else if (line.startsWith("  ") && !line.startsWith("   ")) {
                currentMethod = line.trim();
            }
            if (MONITOR_ENTER.matcher(line).find()) {
                found.add(currentClass + " " + currentMethod + " " + line.trim());
            }
        }
        return found;
    }

    private static ToolProvider tool(String name) {
        return ToolProvider.findFirst(name)
                .orElseThrow(() -> new AssertionError("this JDK has no " + name + " tool"));
    }
}
