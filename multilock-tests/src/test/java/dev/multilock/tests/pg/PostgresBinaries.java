package dev.multilock.tests.pg;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Where the PostgreSQL server programs are: the one directory that holds {@code initdb},
 * {@code pg_ctl} and {@code postgres}. Looked for, in this order, in each directory of PATH;
 * where {@code pg_config --bindir} says; and in Debian's {@code /usr/lib/postgresql/<major>/bin},
 * newest major first (Debian's {@code postgresql} package puts the programs there, off PATH).
 *
 * @param directory the directory that holds all three programs
 */
record PostgresBinaries(Path directory) {

    /** The programs a throwaway cluster needs. */
    static final List<String> PROGRAMS = List.of("initdb", "pg_ctl", "postgres");

    /** Where Debian and Ubuntu install each major version's server programs. */
    static final Path DEBIAN_ROOT = Path.of("/usr/lib/postgresql");

    Path initdb() {
        return directory.resolve("initdb");
    }

    Path pgCtl() {
        return directory.resolve("pg_ctl");
    }

    /** The binaries of this machine, or an {@link IllegalStateException} that says what to do. */
    static PostgresBinaries find() {
        return find(System.getenv("PATH"), PostgresBinaries::pgConfigBindir, DEBIAN_ROOT);
    }

    /**
     * The binaries found on {@code path} (a PATH value, may be null), else in the directory
     * {@code pgConfig} names, else under {@code debianRoot}; else an
     * {@link IllegalStateException} whose message is one line that names what is missing and
     * how to install it.
     */
    static PostgresBinaries find(String path, Supplier<Optional<Path>> pgConfig,
            Path debianRoot) {
        List<String> looked = new ArrayList<>();
        if (path != null) {
            for (String dir : path.split(File.pathSeparator)) {
                if (!dir.isEmpty() && holdsAll(Path.of(dir))) {
                    return new PostgresBinaries(realDirectory(Path.of(dir)));
                }
            }
        }
        looked.add("PATH");
        Optional<Path> bindir = pgConfig.get();
        if (bindir.isPresent() && holdsAll(bindir.get())) {
            return new PostgresBinaries(realDirectory(bindir.get()));
        }
        looked.add(bindir.map(d -> "pg_config --bindir (" + d + ")")
                .orElse("pg_config --bindir (no pg_config)"));
        for (Path dir : debianBinDirectories(debianRoot)) {
            if (holdsAll(dir)) {
                return new PostgresBinaries(realDirectory(dir));
            }
        }
        looked.add(debianRoot + "/*/bin");
        throw new IllegalStateException("PostgreSQL server programs not found (the tests start"
                + " their own throwaway server and need " + String.join(", ", PROGRAMS)
                + "; looked on " + String.join(", ", looked)
                + "); install them: apt-get install postgresql");
    }

    private static boolean holdsAll(Path dir) {
        for (String program : PROGRAMS) {
            Path file = dir.resolve(program);
            if (!Files.isRegularFile(file) || !Files.isExecutable(file)) {
                return false;
            }
        }
        return true;
    }

    /** The directory {@code initdb} really lives in, through symbolic links. */
    private static Path realDirectory(Path dir) {
        try {
            Path real = dir.resolve("initdb").toRealPath().getParent();
            return real != null && holdsAll(real) ? real : dir.toAbsolutePath();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code root/<major>/bin} for each numbered directory under root, highest major first. */
    private static List<Path> debianBinDirectories(Path root) {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> majors = Files.list(root)) {
            return majors
                    .filter(p -> p.getFileName().toString().matches("[0-9]+"))
                    .sorted(Comparator.comparingInt(
                            (Path p) -> Integer.parseInt(p.getFileName().toString())).reversed())
                    .map(p -> p.resolve("bin"))
                    .toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** What {@code pg_config --bindir} prints, if there is a pg_config and it succeeds. */
    private static Optional<Path> pgConfigBindir() {
        Optional<Path> pgConfig = Exec.which("pg_config");
        if (pgConfig.isEmpty()) {
            return Optional.empty();
        }
        Exec.Result r = Exec.run(List.of(pgConfig.get().toString(), "--bindir"), Exec.SHORT);
        String out = r.output().strip();
        return r.succeeded() && !out.isEmpty() && !out.contains("\n")
                ? Optional.of(Path.of(out))
                : Optional.empty();
    }
}
