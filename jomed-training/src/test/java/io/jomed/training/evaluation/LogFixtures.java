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
