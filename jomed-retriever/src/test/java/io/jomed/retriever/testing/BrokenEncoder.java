package io.jomed.retriever.testing;

import io.jomed.api.encoding.EncoderFingerprint;
import io.jomed.api.encoding.ImageEncoder;
import io.jomed.api.encoding.TextEncoder;
import io.jomed.api.image.MedicalImage;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * Test encoders that wrap a working encoder, keep its fingerprint, and break the keys of chosen inputs in
 * one chosen {@link Fault}, for testing how a knowledge base treats bad keys.
 *
 * <p>The returned encoders are thread-safe if the predicate and the wrapped encoder are.
 */
public final class BrokenEncoder {

    /** How a key is broken. */
    public enum Fault {
        /** The first component becomes NaN. */
        NAN,
        /** One component more than the dimension. */
        WRONG_DIMENSION,
        /** The key is scaled by 2. */
        NOT_UNIT,
        /** The encoder throws {@link IllegalStateException}. */
        THROW
    }

    private BrokenEncoder() {
    }

    /** An image encoder breaking the keys of the images {@code broken} accepts. */
    public static ImageEncoder image(ImageEncoder delegate, Fault fault, Predicate<MedicalImage> broken) {
        Objects.requireNonNull(delegate, "delegate");
        Objects.requireNonNull(fault, "fault");
        Objects.requireNonNull(broken, "broken");
        return new ImageEncoder() {
            @Override
            public int dimension() {
                return delegate.dimension();
            }

            @Override
            public EncoderFingerprint fingerprint() {
                return delegate.fingerprint();
            }

            @Override
            public float[][] encode(List<MedicalImage> images) {
                float[][] keys = delegate.encode(images);
                for (int i = 0; i < keys.length; i++) {
                    if (broken.test(images.get(i))) {
                        keys[i] = breakKey(keys[i], fault);
                    }
                }
                return keys;
            }

            @Override
            public void close() {
            }
        };
    }

    /** A text encoder breaking the keys of the texts {@code broken} accepts. */
    public static TextEncoder text(TextEncoder delegate, Fault fault, Predicate<String> broken) {
        Objects.requireNonNull(delegate, "delegate");
        Objects.requireNonNull(fault, "fault");
        Objects.requireNonNull(broken, "broken");
        return new TextEncoder() {
            @Override
            public int dimension() {
                return delegate.dimension();
            }

            @Override
            public EncoderFingerprint fingerprint() {
                return delegate.fingerprint();
            }

            @Override
            public float[][] encode(List<String> texts) {
                float[][] keys = delegate.encode(texts);
                for (int i = 0; i < keys.length; i++) {
                    if (broken.test(texts.get(i))) {
                        keys[i] = breakKey(keys[i], fault);
                    }
                }
                return keys;
            }

            @Override
            public void close() {
            }
        };
    }

    private static float[] breakKey(float[] key, Fault fault) {
        return switch (fault) {
            case NAN -> {
                float[] k = key.clone();
                k[0] = Float.NaN;
                yield k;
            }
            case WRONG_DIMENSION -> Arrays.copyOf(key, key.length + 1);
            case NOT_UNIT -> {
                float[] k = key.clone();
                for (int i = 0; i < k.length; i++) {
                    k[i] *= 2;
                }
                yield k;
            }
            case THROW -> throw new IllegalStateException("encoder failure injected by BrokenEncoder");
        };
    }
}
