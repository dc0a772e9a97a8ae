package dev.multilock.tests.pg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where the PostgreSQL server programs are looked for, and what it says when they are not. */
final class PostgresBinariesTest {

    @TempDir
    Path dir;

    /** A directory with the three programs (empty executable files). */
    private Path programs(String relative) throws IOException {
        Path bin = Files.createDirectories(dir.resolve(relative));
        for (String program : PostgresBinaries.PROGRAMS) {
            Path file = Files.createFile(bin.resolve(program));
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        return bin.toRealPath();
    }

    @Test
    void find_nowhere_failsWithOneLineNamingProgramsAndInstallCommand() throws IOException {
        Path partial = Files.createDirectories(dir.resolve("partial"));
        Files.createFile(partial.resolve("initdb")).toFile().setExecutable(true);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> PostgresBinaries.find(partial + File.pathSeparator + "/nonexistent",
                        Optional::empty, dir.resolve("no-debian")));
        String message = e.getMessage();
        assertFalse(message.contains("\n"), "one line: " + message);
        assertTrue(message.contains("initdb, pg_ctl, postgres"), message);
        assertTrue(message.contains("apt-get install postgresql"), message);
        assertTrue(message.contains("no pg_config"), message);
    }

    @Test
    void find_onPath_takesFirstDirectoryWithAllThree() throws IOException {
        Path first = programs("first/bin");
        programs("second/bin");
        assertEquals(first, PostgresBinaries.find(dir.resolve("nothing") + File.pathSeparator
                + first + File.pathSeparator + dir.resolve("second/bin"), Optional::empty,
                dir.resolve("no-debian")).directory());
    }

    @Test
    void find_pgConfigBindir_usedWhenPathHasNone() throws IOException {
        Path bin = programs("pgconfig/bin");
        assertEquals(bin, PostgresBinaries.find("", () -> Optional.of(bin),
                dir.resolve("no-debian")).directory());
    }

    @Test
    void find_debianLayout_takesHighestMajorNumerically() throws IOException {
        programs("debian/9/bin");
        Path newest = programs("debian/15/bin");
        programs("debian/13/bin");
        Files.createDirectories(dir.resolve("debian/common/bin"));
        assertEquals(newest, PostgresBinaries.find(null, Optional::empty,
                dir.resolve("debian")).directory());
    }
}
