package io.jomed.training.phase2;

/**
 * The two presets of method.md §2.11. {@link #REFERENCE} reproduces the released scripts, quirks included;
 * {@link #CLEAN} holds the recommended values and is the default. Every switch can also be set on its own
 * through {@link Phase2Settings.Builder}; the run's metadata records the preset and every override.
 *
 * <p>Enum constants are immutable and safe to share between threads.
 */
public enum Phase2Preset {
    /** The released scripts' values and quirks. */
    REFERENCE,
    /** The recommended values. */
    CLEAN
}
