package dev.multilock.postgres;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The mapping of {@code (namespace, key)} to PostgreSQL's single 64-bit advisory key (API.md,
 * P3): the first 8 bytes, big-endian, of SHA-256 over the UTF-8 bytes of
 * {@code namespace + "\u0000" + key}. Other tools can compute the same key; two names that
 * collide only ever add exclusion.
 *
 * <p>In {@code pg_locks} the lock shows as {@code locktype = 'advisory'}, {@code classid} the
 * high 32 bits, {@code objid} the low 32 bits (both as unsigned {@code oid}s) and
 * {@code objsubid = 1}.
 */
final class AdvisoryKey {

    private AdvisoryKey() {}

    /** The advisory key of {@code key} in {@code namespace}. */
    static long of(String namespace, String key) {
        MessageDigest sha256;
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
        byte[] digest = sha256.digest((namespace + "\u0000" + key)
                .getBytes(StandardCharsets.UTF_8));
        return ByteBuffer.wrap(digest, 0, Long.BYTES).getLong();
    }

    /** {@code pg_locks.classid} of an advisory key, as an unsigned value. */
    static long classid(long key) {
        return key >>> 32;
    }

    /** {@code pg_locks.objid} of an advisory key, as an unsigned value. */
    static long objid(long key) {
        return key & 0xffff_ffffL;
    }

    /** The key as 16 hexadecimal digits: the payload of notifications, and a sort key. */
    static String hex(long key) {
        String digits = Long.toHexString(key);
        return "0".repeat(16 - digits.length()) + digits;
    }

    /** The inverse of {@link #hex}. */
    static long parseHex(String hex) {
        return Long.parseUnsignedLong(hex, 16);
    }
}
