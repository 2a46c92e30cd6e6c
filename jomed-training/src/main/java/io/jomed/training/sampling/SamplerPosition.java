package io.jomed.training.sampling;

/**
 * Where a {@link ClassBalancedSampler} stands: the 0-based pass and the index, within that pass's order, of
 * the next example to emit. Saved with a checkpoint and given back to {@link ClassBalancedSampler#seek} to
 * resume the exact same stream.
 *
 * <p>Instances are immutable and thread-safe.
 *
 * @param pass 0-based pass number
 * @param index index of the next example within the pass, 0-based
 */
public record SamplerPosition(long pass, int index) {
    public SamplerPosition {
        if (pass < 0) {
            throw new IllegalArgumentException("sampler pass must be non-negative, got " + pass);
        }
        if (index < 0) {
            throw new IllegalArgumentException("sampler index must be non-negative, got " + index);
        }
    }

    /** The start of the first pass. */
    public static final SamplerPosition START = new SamplerPosition(0, 0);
}
