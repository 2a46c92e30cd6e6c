package io.jomed.reader.bundle;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The checksum of one file of a {@link ModelBundle}: its SHA-256 digest (lower-case hex) and its size in bytes.
 *
 * <p>Instances are immutable and thread-safe.
 *
 * @param sha256 64 lower-case hex digits
 * @param size size in bytes, at least 0
 */
public record BundleFile(String sha256, long size) {
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    public BundleFile {
        Objects.requireNonNull(sha256, "sha256");
        if (!SHA256.matcher(sha256).matches()) {
            throw new IllegalArgumentException("sha-256 must be 64 lower-case hex digits, got \"" + sha256 + "\"");
        }
        if (size < 0) {
            throw new IllegalArgumentException("file size must be at least 0, got " + size);
        }
    }

    @Override
    public String toString() {
        return "size " + size + ", sha-256 " + sha256;
    }
}
