package dev.multilock.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class FencedStoreTest {

    @Test
    void write_staleTokenAfterALaterOne_refused(@TempDir Path dir) throws Exception {
        Path store = dir.resolve("store");
        assertTrue(FencedStore.write(store, "waiter", 7));
        assertFalse(FencedStore.write(store, "holder", 6), "a lower token than one accepted");
        assertEquals(List.of(new FencedStore.Write("waiter", 7, true),
                new FencedStore.Write("holder", 6, false)),
                FencedStore.parse(Files.readString(store, StandardCharsets.UTF_8)));
    }

    @Test
    void write_risingOrEqualTokens_accepted(@TempDir Path dir) throws Exception {
        Path store = dir.resolve("store");
        assertTrue(FencedStore.write(store, "a", 3));
        assertTrue(FencedStore.write(store, "a", 3), "the same holder writes twice");
        assertTrue(FencedStore.write(store, "b", 9));
    }

    @Test
    void write_withoutToken_cannotBeRefused(@TempDir Path dir) throws Exception {
        Path store = dir.resolve("store");
        assertTrue(FencedStore.write(store, "waiter", DistLocks.NO_TOKEN));
        assertTrue(FencedStore.write(store, "holder", DistLocks.NO_TOKEN));
        assertTrue(FencedStore.write(store, "late", 1), "no accepted token to compare with");
    }

    @Test
    void accepts_onlyAcceptedWritesCount() {
        // a refused write with a high token must not raise the bar
        List<FencedStore.Write> history = List.of(new FencedStore.Write("x", 5, true),
                new FencedStore.Write("y", 50, false));
        assertTrue(FencedStore.accepts(history, 6));
        assertFalse(FencedStore.accepts(history, 4));
    }

    @Test
    void write_writerWithASpace_rejected(@TempDir Path dir) {
        assertThrows(IllegalArgumentException.class,
                () -> FencedStore.write(dir.resolve("s"), "two words", 1));
    }
}
