package io.jomed.api.diagnosis;

/**
 * How a head whose best raw score is at most zero is weighted (method.md §2.11 switch 14).
 *
 * <p>Enum constants are immutable and safe to share between threads.
 */
public enum FusionWeighting {
    /** Divide by the head's maximum even when it is at most 0 (left unchanged only when exactly 0). */
    REFERENCE,
    /** Uniform normalised scores within a head whose maximum is at most 0. */
    CLEAN
}
