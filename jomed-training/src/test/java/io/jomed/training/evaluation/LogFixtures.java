package io.jomed.training.evaluation;

import io.jomed.api.reading.LabelSpace;
import io.jomed.api.retrieval.RetrieverHead;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Hand-made prediction logs whose metrics and analyses are worked out by hand in the tests. Label space
 * {@code yes} (0, positive), {@code no} (1).
 *
 * <p>Stateless and thread-safe.
 */
public final class LogFixtures {
    public static final LabelSpace LABELS = LabelSpace.builder().setName("toy").addLabel("yes").addLabel("no")
            .optPositiveLabel("yes").build();

    private LogFixtures() {
    }

    /**
     * Four queries, gold {@code [0, 1, 0, 1]}. {@code closed_book} predicts {@code [0, 0, 1, 1]} with top-class
     * probabilities {@code .82, .62, .72, .92}. {@code standard_rag} predicts {@code [0, 1, 1, 0]}; its items
     * (image 1, image 2, text 1, text 2) predict {@code 0000}, {@code 1011}, {@code 1011}, {@code 0000}, so
     * queries 2 and 3 are inconsistent. Image items score .9 and .5, text items .8 and .6; an item predicting
     * class {@code c} has logit 2 for {@code c} (rank 1) or 1 (rank 2) and 0 otherwise.
     */
    public static PredictionLog handMade() {
        int[] gold = {0, 1, 0, 1};
        double[][] cb = {{0.82, 0.18}, {0.62, 0.38}, {0.28, 0.72}, {0.08, 0.92}};
        double[][] rag = {{0.9, 0.1}, {0.3, 0.7}, {0.45, 0.55}, {0.65, 0.35}};
        int[][] items = {{0, 0, 0, 0}, {1, 0, 1, 1}, {1, 0, 1, 1}, {0, 0, 0, 0}};
        PredictionLog.Builder log = PredictionLog.builder().setLabelSpace(LABELS).addMode(ModeEvaluator.CLOSED_BOOK)
                .addMode(ModeEvaluator.STANDARD_RAG);
        for (int q = 0; q < gold.length; q++) {
            Map<String, ModePrediction> modes = new LinkedHashMap<>();
            modes.put(ModeEvaluator.CLOSED_BOOK, new ModePrediction(argmax(cb[q]), cb[q], List.of()));
            modes.put(ModeEvaluator.STANDARD_RAG, new ModePrediction(argmax(rag[q]), rag[q], List.of(
                    item(RetrieverHead.IMAGE, 1, "i1-" + q, 0.9, items[q][0]),
                    item(RetrieverHead.IMAGE, 2, "i2-" + q, 0.5, items[q][1]),
                    item(RetrieverHead.TEXT, 1, "t1-" + q, 0.8, items[q][2]),
                    item(RetrieverHead.TEXT, 2, "t2-" + q, 0.6, items[q][3]))));
            log.addQuery(new QueryRecord("q" + q, gold[q], modes));
        }
        return log.build();
    }

    /**
     * A log for the reranker comparison: one mode {@code standard_rag}, five queries, gold {@code 0 1 0 1 1}, fused
     * {@code 0 0 1 0 1} (probability 0.6 for the predicted class); items (image 1, image 2, text 1, text 2, case ids
     * {@code i1-q}, {@code i2-q}, {@code t1-q}, {@code t2-q}, raw scores .9, .8, .7, .6, fusion weight .25) with
     * logits {@code (2,0)x4}, {@code (4,0) (0,1) (0,2) (0,1)}, {@code (0,1) (1,0) (2,0) (0,4)}, {@code (2,0)x4},
     * {@code (0,1) (3,0) (0,2) (1,0)}, so they predict {@code 0000}, {@code 0111}, {@code 1001}, {@code 0000},
     * {@code 1010}. Queries 1, 2 and 4 are inconsistent; fused accuracy 0.4, oracle 0.8. By hand: the top image
     * item is right on q0, q4 (0.4); the top text item on q0, q1, q2, q4 (0.8); the majority vote on q0, q1, q4
     * (0.6: the 2-2 tie on q4 goes to the fused, right 1, on q2 to the fused, wrong 1); reader confidence picks
     * (4,0), (0,4), (3,0) on q1, q2, q4 and is right on q0 only (0.2).
     */
    public static PredictionLog rerankable() {
        int[] gold = {0, 1, 0, 1, 1};
        int[] fused = {0, 0, 1, 0, 1};
        float[][][] logits = {
            {{2, 0}, {2, 0}, {2, 0}, {2, 0}},
            {{4, 0}, {0, 1}, {0, 2}, {0, 1}},
            {{0, 1}, {1, 0}, {2, 0}, {0, 4}},
            {{2, 0}, {2, 0}, {2, 0}, {2, 0}},
            {{0, 1}, {3, 0}, {0, 2}, {1, 0}}};
        String[] prefixes = {"i1-", "i2-", "t1-", "t2-"};
        PredictionLog.Builder log = PredictionLog.builder().setLabelSpace(LABELS).addMode(ModeEvaluator.STANDARD_RAG);
        for (int q = 0; q < gold.length; q++) {
            List<ItemPrediction> items = new ArrayList<>();
            for (int i = 0; i < prefixes.length; i++) {
                float[] a = logits[q][i];
                items.add(new ItemPrediction(i < 2 ? RetrieverHead.IMAGE : RetrieverHead.TEXT, i % 2 + 1, prefixes[i] + q,
                        0.9 - 0.1 * i, 0.25, a, a[1] > a[0] ? 1 : 0));
            }
            double[] p = fused[q] == 0 ? new double[] {0.6, 0.4} : new double[] {0.4, 0.6};
            log.addQuery(new QueryRecord("q" + q, gold[q], Map.of(ModeEvaluator.STANDARD_RAG,
                    new ModePrediction(fused[q], p, items))));
        }
        return log.build();
    }

    private static ItemPrediction item(RetrieverHead head, int rank, String id, double score, int predicted) {
        float[] logits = new float[2];
        logits[predicted] = rank == 1 ? 2f : 1f;
        return new ItemPrediction(head, rank, id, score, 0.25, logits, predicted);
    }

    /**
     * {@code n} random queries with modes {@code closed_book} (right with probability 0.6) and
     * {@code standard_rag} (right with probability 0.8), two image items each.
     */
    public static PredictionLog random(int n, long seed) {
        Random r = new Random(seed);
        PredictionLog.Builder log = PredictionLog.builder().setLabelSpace(LABELS).addMode(ModeEvaluator.CLOSED_BOOK)
                .addMode(ModeEvaluator.STANDARD_RAG);
        for (int q = 0; q < n; q++) {
            int gold = r.nextInt(2);
            Map<String, ModePrediction> modes = new LinkedHashMap<>();
            modes.put(ModeEvaluator.CLOSED_BOOK, guess(r, gold, 0.6, List.of()));
            List<ItemPrediction> items = new ArrayList<>();
            for (int rank = 1; rank <= 2; rank++) {
                int p = r.nextDouble() < 0.7 ? gold : 1 - gold;
                float[] logits = new float[2];
                logits[p] = 1f;
                items.add(new ItemPrediction(RetrieverHead.IMAGE, rank, "c" + q + "-" + rank, 1.0 / rank, 0.5, logits, p));
            }
            modes.put(ModeEvaluator.STANDARD_RAG, guess(r, gold, 0.8, items));
            log.addQuery(new QueryRecord("q" + q, gold, modes));
        }
        return log.build();
    }

    private static ModePrediction guess(Random r, int gold, double pRight, List<ItemPrediction> items) {
        int p = r.nextDouble() < pRight ? gold : 1 - gold;
        double conf = 0.5 + 0.5 * r.nextDouble();
        double[] probs = new double[2];
        probs[p] = conf;
        probs[1 - p] = 1 - conf;
        return new ModePrediction(p, probs, items);
    }

    private static int argmax(double[] p) {
        return p[1] > p[0] ? 1 : 0;
    }
}
