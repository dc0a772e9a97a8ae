package dev.multilock.benchmarks;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The downstream store of scenario 6 of {@link DistributedScenarios}: a file that processes write
 * to under a distributed lock, and that refuses a write whose fencing token is lower than one it
 * has already accepted, as a database row with a token column does
 * ({@code UPDATE ... WHERE token <= ?}, see {@code PostgresFencingExampleTest}).
 *
 * <p>A write without a token ({@link DistLocks#NO_TOKEN}: the lock gave none) cannot be checked
 * and is accepted, so a store behind such a lock cannot stop a holder that lost its lock: that
 * is the finding for such a lock, not a choice of this store. Each write is one line,
 * {@code writer token accepted}, appended under an exclusive file lock (so processes take turns;
 * the file lock is held for the few microseconds of one write, never across a pause).
 */
final class FencedStore {

    /**
     * One write, as the store recorded it.
     *
     * @param writer who wrote
     * @param token its fencing token, or {@link DistLocks#NO_TOKEN}
     * @param accepted whether the store applied it
     */
    record Write(String writer, long token, boolean accepted) {}

    private FencedStore() {}

    /**
     * Whether a write with {@code token} is applied after the writes of {@code history}: it is,
     * unless it carries a token and an accepted write carried a larger one.
     *
     * @param history the writes so far
     * @param token the new write's token
     * @return whether it is accepted
     */
    static boolean accepts(List<Write> history, long token) {
        if (token == DistLocks.NO_TOKEN) {
            return true;
        }
        for (Write w : history) {
            if (w.accepted() && w.token() != DistLocks.NO_TOKEN && w.token() > token) {
                return false;
            }
        }
        return true;
    }

    /**
     * Writes to the store in {@code file}, unless {@link #accepts} refuses.
     *
     * @param file the store's file (created if absent)
     * @param writer who writes, one word
     * @param token the writer's fencing token
     * @return whether the write was applied
     * @throws IOException if the file cannot be read or written
     */
    static boolean write(Path file, String writer, long token) throws IOException {
        if (writer.isEmpty() || writer.contains(" ") || writer.contains("\n")) {
            throw new IllegalArgumentException("a writer is one word: '" + writer + "'");
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE,
                StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            FileLock lock = ch.lock(); // other processes' writes wait here, for microseconds
            try {
                ByteBuffer all = ByteBuffer.allocate((int) ch.size());
                while (all.hasRemaining() && ch.read(all, all.position()) >= 0) {
                    // read until full
                }
                List<Write> history = parse(new String(all.array(), StandardCharsets.UTF_8));
                boolean accepted = accepts(history, token);
                byte[] line = (writer + " " + token + " " + accepted + "\n")
                        .getBytes(StandardCharsets.UTF_8);
                ch.write(ByteBuffer.wrap(line), ch.size());
                ch.force(false);
                return accepted;
            } finally {
                lock.release();
            }
        }
    }

    /**
     * Every write the store recorded, in order.
     *
     * @param text the store's file's content
     * @return the writes
     */
    static List<Write> parse(String text) {
        List<Write> writes = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.split(" ");
            writes.add(new Write(f[0], Long.parseLong(f[1]), Boolean.parseBoolean(f[2])));
        }
        return writes;
    }
}
