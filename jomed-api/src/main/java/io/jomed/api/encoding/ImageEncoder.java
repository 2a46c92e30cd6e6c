package io.jomed.api.encoding;

import io.jomed.api.image.MedicalImage;
import java.util.List;

/**
 * Maps images to L2-normalised vectors: the frozen image key encoder {@code f0} of method.md, or a
 * user-supplied backbone. Implementations convert any image to their configured input (size, channels)
 * themselves and document how.
 *
 * <p>Implementations must be safe to call from many threads at once.
 */
public interface ImageEncoder extends AutoCloseable {

    /** Output dimension. */
    int dimension();

    /** Identifies these exact weights and this preprocessing. */
    EncoderFingerprint fingerprint();

    /**
     * Encodes a batch of images to unit vectors, one per image, in order.
     *
     * @throws IllegalArgumentException if an image cannot be converted to the encoder's input
     */
    float[][] encode(List<MedicalImage> images);

    /** Encodes one image. */
    default float[] encode(MedicalImage image) {
        return encode(List.of(image))[0];
    }

    @Override
    void close();
}
