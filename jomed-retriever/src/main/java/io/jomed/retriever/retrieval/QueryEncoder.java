package io.jomed.retriever.retrieval;

import io.jomed.api.encoding.EncoderFingerprint;
import io.jomed.api.encoding.ImageEncoder;
import io.jomed.api.image.MedicalImage;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The mixed query encoder of one head (method.md §2.1, "partial learning"):
 * {@code e_h(x) = alpha * f_theta,h(x) + (1 - alpha) * f0(x)} with {@code alpha = 0.15}. Both terms have
 * unit norm and the sum is deliberately not renormalised, so {@code |e_h| <= 1}. Before training
 * {@code f_theta,h} equals {@code f0} and {@code e_h = f0}; a head without a trained tower therefore
 * uses {@code f0} alone.
 *
 * <p>Immutable and thread-safe as long as its encoders are (the {@link ImageEncoder} contract asks them to
 * be). It does not own the encoders.
 */
public final class QueryEncoder {
    /** The reference implementation's mixing weight of the learned term. */
    public static final double DEFAULT_ALPHA = 0.15;

    private final ImageEncoder frozen;
    private final ImageEncoder learned;
    private final double alpha;

    private QueryEncoder(ImageEncoder frozen, ImageEncoder learned, double alpha) {
        this.frozen = frozen;
        this.learned = learned;
        this.alpha = alpha;
    }

    /** A head that has not been trained: {@code e_h = f0}. */
    public static QueryEncoder untrained(ImageEncoder f0) {
        return new QueryEncoder(Objects.requireNonNull(f0, "f0"), null, DEFAULT_ALPHA);
    }

    /**
     * A trained head.
     *
     * @param f0 the frozen image key encoder
     * @param fTheta the head's trained tower, same output dimension as {@code f0}
     * @param alpha weight of the learned term, in (0, 1]
     */
    public static QueryEncoder mixed(ImageEncoder f0, ImageEncoder fTheta, double alpha) {
        Objects.requireNonNull(f0, "f0");
        Objects.requireNonNull(fTheta, "fTheta");
        if (!(alpha > 0 && alpha <= 1)) {
            throw new IllegalArgumentException("alpha must be in (0, 1], got " + alpha);
        }
        if (fTheta.dimension() != f0.dimension()) {
            throw new IllegalArgumentException("the trained tower has dimension " + fTheta.dimension()
                    + " but f0 has " + f0.dimension());
        }
        return new QueryEncoder(f0, fTheta, alpha);
    }

    /** The frozen encoder {@code f0} whose fingerprint queries carry. */
    public ImageEncoder frozenEncoder() {
        return frozen;
    }

    /** The head's trained tower, if any. */
    public Optional<ImageEncoder> learnedEncoder() {
        return Optional.ofNullable(learned);
    }

    public double alpha() {
        return alpha;
    }

    public EncoderFingerprint fingerprint() {
        return frozen.fingerprint();
    }

    /**
     * Mixes precomputed {@code f0(x)} rows with the learned tower's output for the same images.
     *
     * @param images the query images
     * @param f0 {@code f0(x)} for each image, as {@link ImageEncoder#encode(List)} returned them
     * @return {@code e_h(x)} for each image; the {@code f0} rows themselves when the head is untrained
     */
    public float[][] encode(List<MedicalImage> images, float[][] f0) {
        if (images.size() != f0.length) {
            throw new IllegalArgumentException(images.size() + " images but " + f0.length + " f0 rows");
        }
        if (learned == null) {
            return f0;
        }
        float[][] theta = learned.encode(images);
        float[][] out = new float[f0.length][];
        for (int i = 0; i < f0.length; i++) {
            out[i] = mix(theta[i], f0[i], alpha);
        }
        return out;
    }

    /** {@code alpha * learned + (1 - alpha) * frozen}, not renormalised. */
    public static float[] mix(float[] learned, float[] frozen, double alpha) {
        if (learned.length != frozen.length) {
            throw new IllegalArgumentException("dimensions differ: " + learned.length + " vs " + frozen.length);
        }
        float[] e = new float[frozen.length];
        for (int j = 0; j < e.length; j++) {
            e[j] = (float) (alpha * learned[j] + (1 - alpha) * frozen[j]);
        }
        return e;
    }
}
