package io.jomed.api.testing;

import io.jomed.api.image.MedicalImage;
import io.jomed.api.kb.KnowledgeBaseCase;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Small, distinct, deterministic synthetic cases for contract and unit tests: grey 28x28 images with a
 * bright blob whose position, size and brightness vary per case, a short report text, and metadata
 * {@code group} ({@code a} for even, {@code b} for odd indices) and {@code index}. Synthetic data serve
 * tests only, never an accuracy claim.
 *
 * <p>Stateless and thread-safe.
 */
public final class SyntheticCases {
    private SyntheticCases() {
    }

    /** A grey image; equal seeds give equal pixels. */
    public static MedicalImage image(long seed, int size) {
        Random r = new Random(seed);
        double cx = 4 + r.nextDouble() * (size - 8);
        double cy = 4 + r.nextDouble() * (size - 8);
        double radius = 2 + r.nextDouble() * size / 4.0;
        double brightness = 120 + r.nextDouble() * 135;
        byte[] px = new byte[size * size];
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                double d2 = (x - cx) * (x - cx) + (y - cy) * (y - cy);
                double v = brightness * Math.exp(-d2 / (2 * radius * radius)) + r.nextInt(12);
                px[y * size + x] = (byte) Math.min(255, Math.round(v));
            }
        }
        return MedicalImage.ofPixels(size, size, 1, px);
    }

    /** {@code n} cases with ids {@code case-000}, {@code case-001}, ... */
    public static List<KnowledgeBaseCase> cases(int n) {
        List<KnowledgeBaseCase> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(KnowledgeBaseCase.builder()
                    .setId(String.format("case-%03d", i))
                    .setImage(image(1000 + i, 28))
                    .optText((i % 2 == 0 ? "Round bright lesion" : "Faint diffuse shadow") + " number " + i + ".")
                    .optMetadata("group", i % 2 == 0 ? "a" : "b")
                    .optMetadata("index", Integer.toString(i))
                    .build());
        }
        return out;
    }
}
