package io.jomed.training.evaluation;

import io.jomed.api.image.MedicalImage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The bar every learned retriever must beat: k-NN on raw pixels, cosine similarity of mean-centred
 * pixel vectors, majority vote (ties to the label of the nearest neighbour among the tied ones). All
 * images must share one shape. Neighbours are computed once per query and reused for every {@code k}.
 *
 * <p>Immutable after construction and thread-safe.
 */
public final class RawPixelKnn {
    private final float[][] keys;
    private final String[] labels;

    /**
     * @param images the reference images (the knowledge base)
     * @param labels their labels, same order
     */
    public RawPixelKnn(List<MedicalImage> images, List<String> labels) {
        Objects.requireNonNull(images, "images");
        Objects.requireNonNull(labels, "labels");
        if (images.isEmpty() || images.size() != labels.size()) {
            throw new IllegalArgumentException("need one label per image and at least one image, got "
                    + images.size() + " images and " + labels.size() + " labels");
        }
        this.keys = images.stream().map(RawPixelKnn::centredUnit).toArray(float[][]::new);
        for (float[] k : keys) {
            if (k.length != keys[0].length) {
                throw new IllegalArgumentException("raw-pixel k-NN needs images of one shape; got "
                        + keys[0].length + " and " + k.length + " values");
            }
        }
        this.labels = labels.toArray(String[]::new);
    }

    /** Mean-centred pixel vector scaled to unit length (all-constant images map to zero). */
    public static float[] centredUnit(MedicalImage image) {
        byte[] px = image.pixels();
        double mean = 0;
        for (byte b : px) {
            mean += b & 0xFF;
        }
        mean /= px.length;
        float[] v = new float[px.length];
        double norm = 0;
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) ((px[i] & 0xFF) - mean);
            norm += (double) v[i] * v[i];
        }
        if (norm > 0) {
            float inv = (float) (1 / Math.sqrt(norm));
            for (int i = 0; i < v.length; i++) {
                v[i] *= inv;
            }
        }
        return v;
    }

    /**
     * Accuracy for each {@code k} over labelled queries.
     *
     * @return k to accuracy, in the order of {@code ks}
     */
    public Map<Integer, Double> accuracy(List<MedicalImage> queries, List<String> gold, int... ks) {
        if (queries.size() != gold.size() || queries.isEmpty()) {
            throw new IllegalArgumentException("need one gold label per query and at least one query, got "
                    + queries.size() + " queries and " + gold.size() + " labels");
        }
        Map<Integer, Double> out = new LinkedHashMap<>();
        predictions(queries, ks).forEach((k, predicted) -> out.put(k, KnnVote.accuracy(predicted, gold)));
        return out;
    }

    /**
     * The vote of each query for each {@code k}; neighbours are found once per query.
     *
     * @return k to the predicted labels in query order, in the order of {@code ks}
     * @throws IllegalArgumentException if there is no query or no {@code k}, or a {@code k} is below 1
     */
    public Map<Integer, List<String>> predictions(List<MedicalImage> queries, int... ks) {
        if (queries.isEmpty() || ks.length == 0 || Arrays.stream(ks).anyMatch(k -> k < 1)) {
            throw new IllegalArgumentException("need at least one query and one k, every k at least 1; got "
                    + queries.size() + " queries and ks " + Arrays.toString(ks));
        }
        int maxK = Arrays.stream(ks).max().orElseThrow();
        List<List<String>> byK = new ArrayList<>();
        for (int i = 0; i < ks.length; i++) {
            byK.add(new ArrayList<>(queries.size()));
        }
        for (MedicalImage query : queries) {
            int[] order = nearest(centredUnit(query), maxK);
            for (int i = 0; i < ks.length; i++) {
                byK.get(i).add(vote(order, ks[i]));
            }
        }
        Map<Integer, List<String>> out = new LinkedHashMap<>();
        for (int i = 0; i < ks.length; i++) {
            out.put(ks[i], List.copyOf(byK.get(i)));
        }
        return out;
    }

    private int[] nearest(float[] q, int k) {
        double[] s = new double[keys.length];
        Integer[] idx = new Integer[keys.length];
        for (int i = 0; i < keys.length; i++) {
            double d = 0;
            for (int j = 0; j < q.length; j++) {
                d += (double) q[j] * keys[i][j];
            }
            s[i] = d;
            idx[i] = i;
        }
        Arrays.sort(idx, (a, b) -> s[a] != s[b] ? Double.compare(s[b], s[a]) : Integer.compare(a, b));
        int n = Math.min(k, idx.length);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = idx[i];
        }
        return out;
    }

    private String vote(int[] order, int k) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (int i = 0; i < Math.min(k, order.length); i++) {
            counts.merge(labels[order[i]], 1, Integer::sum);
        }
        int max = counts.values().stream().max(Integer::compare).orElseThrow();
        List<String> tied = new ArrayList<>();
        counts.forEach((l, c) -> {
            if (c == max) {
                tied.add(l);
            }
        });
        return tied.get(0);
    }
}
