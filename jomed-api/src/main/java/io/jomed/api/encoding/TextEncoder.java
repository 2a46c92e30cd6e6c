package io.jomed.api.encoding;

import java.util.List;

/**
 * Maps report or caption text to L2-normalised vectors: the frozen text key encoder {@code g0} of
 * method.md, or a user-supplied backbone.
 *
 * <p>Implementations must be safe to call from many threads at once.
 */
public interface TextEncoder extends AutoCloseable {

    /** Output dimension. */
    int dimension();

    /** Identifies these exact weights and this tokenisation. */
    EncoderFingerprint fingerprint();

    /** Encodes a batch of texts to unit vectors, one per text, in order. */
    float[][] encode(List<String> texts);

    /** Encodes one text. */
    default float[] encode(String text) {
        return encode(List.of(text))[0];
    }

    @Override
    void close();
}
