package dev.multilock.tests;

import static dev.multilock.MultiLockType.EXCLUSIVE;
import static dev.multilock.MultiLockType.NONE;
import static dev.multilock.MultiLockType.SHARED;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multilock.MultiLockType;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The algebra of {@link MultiLockType}, exhaustively over its nine pairs (BEHAVIOUR.md,
 * "MultiLockType"; API.md, "Types"). Each table below is written out row by row, so that it can
 * be checked against the seed by eye; {@link #values_threeModes_inStrengthOrder()} makes sure the
 * nine rows are all the pairs there are.
 */
final class MultiLockTypeTest {

    /** Every ordered pair (a, b) of modes. */
    static Stream<Arguments> pairs() {
        return Stream.of(MultiLockType.values())
                .flatMap(a -> Stream.of(MultiLockType.values()).map(b -> Arguments.of(a, b)));
    }

    @Test
    @DisplayName("Three values with order NONE < SHARED < EXCLUSIVE")
    void values_threeModes_inStrengthOrder() {
        assertArrayEquals(new MultiLockType[] {NONE, SHARED, EXCLUSIVE}, MultiLockType.values());
        assertTrue(NONE.compareTo(SHARED) < 0, "NONE < SHARED");
        assertTrue(SHARED.compareTo(EXCLUSIVE) < 0, "SHARED < EXCLUSIVE");
        assertTrue(NONE.compareTo(EXCLUSIVE) < 0, "NONE < EXCLUSIVE");
    }

    @ParameterizedTest(name = "{0}.excludes({1}) == {2}")
    @DisplayName("excludes: NONE excludes nothing; otherwise true exactly when either side is"
            + " EXCLUSIVE")
    @CsvSource({
        "NONE,      NONE,      false",
        "NONE,      SHARED,    false",
        "NONE,      EXCLUSIVE, false",
        "SHARED,    NONE,      false",
        "SHARED,    SHARED,    false",
        "SHARED,    EXCLUSIVE, true",
        "EXCLUSIVE, NONE,      true",
        "EXCLUSIVE, SHARED,    true",
        "EXCLUSIVE, EXCLUSIVE, true",
    })
    void excludes_eachPair_matchesSeedTable(MultiLockType a, MultiLockType b, boolean expected) {
        assertEquals(expected, a.excludes(b), a + ".excludes(" + b + ")");
    }

    @ParameterizedTest(name = "{0}.includes({1}) == {2}")
    @DisplayName("includes: NONE includes everything; otherwise true exactly when neither side is"
            + " EXCLUSIVE")
    @CsvSource({
        "NONE,      NONE,      true",
        "NONE,      SHARED,    true",
        "NONE,      EXCLUSIVE, true",
        "SHARED,    NONE,      true",
        "SHARED,    SHARED,    true",
        "SHARED,    EXCLUSIVE, false",
        "EXCLUSIVE, NONE,      false",
        "EXCLUSIVE, SHARED,    false",
        "EXCLUSIVE, EXCLUSIVE, false",
    })
    void includes_eachPair_matchesSeedTable(MultiLockType a, MultiLockType b, boolean expected) {
        assertEquals(expected, a.includes(b), a + ".includes(" + b + ")");
    }

    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("pairs")
    void includes_eachPair_isNegationOfExcludes(MultiLockType a, MultiLockType b) {
        assertEquals(!a.excludes(b), a.includes(b), a + " with " + b);
    }

    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("pairs")
    void excludes_eachPair_matchesContractFormula(MultiLockType a, MultiLockType b) {
        assertEquals(a != NONE && (a == EXCLUSIVE || b == EXCLUSIVE), a.excludes(b),
                a + ".excludes(" + b + ")");
    }

    @ParameterizedTest(name = "max({0}, {1}) == {2}")
    @DisplayName("max(a, b) is the larger")
    @CsvSource({
        "NONE,      NONE,      NONE",
        "NONE,      SHARED,    SHARED",
        "NONE,      EXCLUSIVE, EXCLUSIVE",
        "SHARED,    NONE,      SHARED",
        "SHARED,    SHARED,    SHARED",
        "SHARED,    EXCLUSIVE, EXCLUSIVE",
        "EXCLUSIVE, NONE,      EXCLUSIVE",
        "EXCLUSIVE, SHARED,    EXCLUSIVE",
        "EXCLUSIVE, EXCLUSIVE, EXCLUSIVE",
    })
    void max_eachPair_returnsStronger(MultiLockType a, MultiLockType b, MultiLockType expected) {
        assertSame(expected, MultiLockType.max(a, b), "max(" + a + ", " + b + ")");
    }

    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("pairs")
    void max_eachPair_isCommutativeAndAtLeastBoth(MultiLockType a, MultiLockType b) {
        MultiLockType m = MultiLockType.max(a, b);
        assertSame(m, MultiLockType.max(b, a), "max is commutative");
        assertTrue(m.compareTo(a) >= 0 && m.compareTo(b) >= 0, "max is an upper bound");
        assertTrue(m == a || m == b, "max is one of its arguments");
    }

    @ParameterizedTest
    @EnumSource(MultiLockType.class)
    void excludes_null_throwsNullPointerException(MultiLockType a) {
        NullPointerException e = assertThrows(NullPointerException.class, () -> a.excludes(null));
        assertEquals("other", e.getMessage(), "the message names the parameter");
    }

    @ParameterizedTest
    @EnumSource(MultiLockType.class)
    void includes_null_throwsNullPointerException(MultiLockType a) {
        NullPointerException e = assertThrows(NullPointerException.class, () -> a.includes(null));
        assertEquals("other", e.getMessage(), "the message names the parameter");
    }

    @ParameterizedTest
    @EnumSource(MultiLockType.class)
    void max_nullFirst_throwsNullPointerException(MultiLockType b) {
        NullPointerException e =
                assertThrows(NullPointerException.class, () -> MultiLockType.max(null, b));
        assertEquals("a", e.getMessage(), "the message names the parameter");
    }

    @ParameterizedTest
    @EnumSource(MultiLockType.class)
    void max_nullSecond_throwsNullPointerException(MultiLockType a) {
        NullPointerException e =
                assertThrows(NullPointerException.class, () -> MultiLockType.max(a, null));
        assertEquals("b", e.getMessage(), "the message names the parameter");
    }

    @Test
    void max_bothNull_throwsNullPointerException() {
        assertThrows(NullPointerException.class, () -> MultiLockType.max(null, null));
    }
}
