import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Checks every text file of the repository against .editorconfig: UTF-8, LF line ends, a final
 * newline, no tab in the indentation, no trailing whitespace (except in Markdown, where two
 * trailing spaces are a line break), and at most 100 characters (code points) a line.
 *
 * <p>Run with a JDK, no build needed: {@code java .ci/CheckFormat.java [--ext=java,xml] [root]}.
 * The files are those git tracks or would track (untracked but not ignored); without git, every
 * file under the root outside {@code target/} and dot-folders; with {@code --ext}, only those
 * whose names end in one of the given extensions. Prints one line per problem and exits with 1
 * if there is any. {@code mvn verify} runs it on the Java sources ({@code --ext=java}) in the
 * validate phase of the parent.
 */
public final class CheckFormat {

    private static final int MAX_LINE = 100;
    private static final Set<String> BINARY = Set.of(
            "jar", "class", "png", "jpg", "jpeg", "gif", "ico", "pdf", "zip", "gz", "tgz");

    public static void main(String[] args) throws Exception {
        Set<String> extensions = null;
        String rootArg = ".";
        for (String arg : args) {
            if (arg.startsWith("--ext=")) {
                extensions = Set.of(arg.substring("--ext=".length()).split(","));
            } else {
                rootArg = arg;
            }
        }
        Path root = Path.of(rootArg).toAbsolutePath().normalize();
        List<Path> files = gitFiles(root);
        if (files == null) {
            files = walk(root);
        }
        List<String> problems = new ArrayList<>();
        int checked = 0;
        for (Path file : files) {
            if (Files.isRegularFile(file) && hasExtension(file, extensions) && !isBinary(file)) {
                check(root, file, problems);
                checked++;
            }
        }
        problems.forEach(System.out::println);
        System.out.println("CheckFormat: " + checked + " files, " + problems.size() + " problems");
        System.exit(problems.isEmpty() ? 0 : 1);
    }

    /** The files git tracks or would track, or null if git cannot tell. */
    private static List<Path> gitFiles(Path root) throws InterruptedException {
        try {
            Process p = new ProcessBuilder("git", "ls-files", "-z", "--cached", "--others",
                    "--exclude-standard")
                    .directory(root.toFile())
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return null;
            }
            List<Path> files = new ArrayList<>();
            for (String name : new String(out, StandardCharsets.UTF_8).split("\0")) {
                if (!name.isEmpty()) {
                    files.add(root.resolve(name));
                }
            }
            return files;
        } catch (IOException noGit) {
            return null;
        }
    }

    private static List<Path> walk(Path root) throws IOException {
        try (Stream<Path> all = Files.walk(root)) {
            return all.filter(p -> {
                for (Path part : root.relativize(p)) {
                    String name = part.toString();
                    if (name.equals("target") || name.startsWith(".") && !isDotFile(p, part)) {
                        return false;
                    }
                }
                return true;
            }).toList();
        }
    }

    /** Dot-files the editor config covers: .editorconfig, .gitignore and the like. */
    private static boolean isDotFile(Path p, Path part) {
        return p.getFileName().equals(part) && !Files.isDirectory(p);
    }

    private static boolean hasExtension(Path file, Set<String> extensions) {
        if (extensions == null) {
            return true;
        }
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot >= 0 && extensions.contains(name.substring(dot + 1));
    }

    private static boolean isBinary(Path file) throws IOException {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        if (dot >= 0 && BINARY.contains(name.substring(dot + 1).toLowerCase())) {
            return true;
        }
        for (byte b : Files.readAllBytes(file)) {
            if (b == 0) {
                return true;
            }
        }
        return false;
    }

    private static void check(Path root, Path file, List<String> problems) throws IOException {
        String where = root.relativize(file).toString();
        byte[] bytes = Files.readAllBytes(file);
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            problems.add(where + ": not UTF-8");
            return;
        }
        if (text.isEmpty()) {
            return;
        }
        if (text.indexOf('\r') >= 0) {
            problems.add(where + ": CR line ends (LF only)");
        }
        if (!text.endsWith("\n")) {
            problems.add(where + ": no final newline");
        }
        boolean markdown = where.endsWith(".md");
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            int n = i + 1;
            int length = line.codePointCount(0, line.length());
            if (length > MAX_LINE) {
                problems.add(where + ":" + n + ": " + length + " characters (at most " + MAX_LINE
                        + ")");
            }
            int indent = 0;
            while (indent < line.length() && Character.isWhitespace(line.charAt(indent))) {
                indent++;
            }
            if (line.substring(0, indent).indexOf('\t') >= 0) {
                problems.add(where + ":" + n + ": tab in indentation (spaces only)");
            }
            if (!markdown && !line.isEmpty()
                    && Character.isWhitespace(line.charAt(line.length() - 1))) {
                problems.add(where + ":" + n + ": trailing whitespace");
            }
        }
    }
}
