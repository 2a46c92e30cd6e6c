package io.jomed.retriever.testing;

import io.jomed.api.image.MedicalImage;
import io.jomed.api.kb.KnowledgeBaseCase;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;

/**
 * Deterministic synthetic knowledge-base cases for tests: small grey images drawn around a few cluster
 * prototypes (so their keys are clustered, as real embeddings are), a short text with cluster words, and
 * metadata {@code cluster}, {@code label} ({@code cluster % 2}) and {@code source=synthetic}. Every image
 * of one call is distinct (distinct content hashes). Case ids read {@code <prefix>-0000}.
 *
 * <p>Static methods only; thread-safe.
 */
public final class ClusteredCases {
    /** Side of the generated images. */
    public static final int SIZE = 16;

    private static final String[] CLUSTER_WORDS = {
        "opacity", "effusion", "nodule", "cardiomegaly", "fracture", "edema", "atelectasis", "pneumothorax",
        "consolidation", "mass", "calcification", "lesion"};
    private static final String[] COMMON_WORDS = {"left", "right", "lower", "upper", "mild", "small", "lobe", "no",
        "acute", "stable", "finding", "seen"};

    private ClusteredCases() {
    }

    /** {@code n} cases in 4 clusters, ids {@code case-0000...}, seed 42. */
    public static List<KnowledgeBaseCase> cases(int n) {
        return clustered("case", n, 4, 42);
    }

    /**
     * {@code n} cases in {@code clusters} clusters (case {@code i} belongs to cluster {@code i % clusters}).
     *
     * @param prefix id prefix
     * @param seed random seed; same arguments give the same cases
     */
    public static List<KnowledgeBaseCase> clustered(String prefix, int n, int clusters, long seed) {
        if (clusters < 1 || clusters > CLUSTER_WORDS.length) {
            throw new IllegalArgumentException("clusters must be in [1, " + CLUSTER_WORDS.length + "], got " + clusters);
        }
        Random random = new Random(seed);
        byte[][] prototypes = new byte[clusters][];
        for (int c = 0; c < clusters; c++) {
            prototypes[c] = prototype(random);
        }
        Set<String> hashes = new HashSet<>();
        List<KnowledgeBaseCase> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int c = i % clusters;
            MedicalImage image;
            do {
                image = around(prototypes[c], random);
            } while (!hashes.add(image.contentHash()));
            String text = CLUSTER_WORDS[c] + " " + COMMON_WORDS[random.nextInt(COMMON_WORDS.length)] + " "
                    + COMMON_WORDS[random.nextInt(COMMON_WORDS.length)] + " " + CLUSTER_WORDS[c] + " "
                    + CLUSTER_WORDS[random.nextInt(clusters)];
            out.add(KnowledgeBaseCase.builder()
                    .setId(String.format(Locale.ROOT, "%s-%04d", prefix, i))
                    .setImage(image)
                    .optText(text)
                    .optMetadata("cluster", Integer.toString(c))
                    .optMetadata("label", Integer.toString(c % 2))
                    .optMetadata("source", "synthetic")
                    .build());
        }
        return List.copyOf(out);
    }

    /** One distinct non-uniform grey image per seed. */
    public static MedicalImage image(long seed) {
        Random random = new Random(seed);
        return around(prototype(random), random);
    }

    /** A uniform grey image, which {@link PixelImageEncoder} refuses. */
    public static MedicalImage uniformImage() {
        return MedicalImage.ofPixels(SIZE, SIZE, 1, new byte[SIZE * SIZE]);
    }

    private static byte[] prototype(Random random) {
        byte[] px = new byte[SIZE * SIZE];
        double fx = 0.2 + random.nextDouble();
        double fy = 0.2 + random.nextDouble();
        double phase = random.nextDouble() * Math.PI * 2;
        for (int y = 0; y < SIZE; y++) {
            for (int x = 0; x < SIZE; x++) {
                double v = Math.sin(fx * x + phase) * Math.cos(fy * y - phase);
                px[y * SIZE + x] = (byte) Math.round(127.5 + 100 * v);
            }
        }
        return px;
    }

    private static MedicalImage around(byte[] prototype, Random random) {
        byte[] px = new byte[prototype.length];
        for (int i = 0; i < px.length; i++) {
            int v = (prototype[i] & 0xFF) + (int) Math.round(random.nextGaussian() * 25);
            px[i] = (byte) Math.max(0, Math.min(255, v));
        }
        return MedicalImage.ofPixels(SIZE, SIZE, 1, px);
    }
}
