package dev.multilock.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

final class MixTest {

    @Test
    void parse_ninetyTen_hasTenWritesPerHundred() {
        Mix mix = Mix.parse("90:10", 1);
        assertEquals(100, mix.length());
        assertEquals(10, mix.writes());
        int writes = 0;
        for (int i = 0; i < 1000; i++) {
            writes += mix.nextExclusive() ? 1 : 0;
        }
        assertEquals(100, writes, "ten passes, ten writes each");
    }

    @Test
    void parse_readOnly_neverWrites() {
        Mix mix = Mix.parse("100:0", 1);
        for (int i = 0; i < 500; i++) {
            assertEquals(false, mix.nextExclusive());
        }
    }

    @Test
    void parse_sameSeed_sameSequence() {
        Mix a = Mix.parse("50:50", 7);
        Mix b = Mix.parse("50:50", 7);
        for (int i = 0; i < 100; i++) {
            assertEquals(a.nextExclusive(), b.nextExclusive());
        }
    }

    @Test
    void parse_malformed_throws() {
        assertThrows(IllegalArgumentException.class, () -> Mix.parse("90", 1));
        assertThrows(IllegalArgumentException.class, () -> Mix.parse("0:0", 1));
        assertThrows(IllegalArgumentException.class, () -> Mix.parse("-1:3", 1));
        assertThrows(IllegalArgumentException.class, () -> Mix.parse("a:b", 1));
    }
}
