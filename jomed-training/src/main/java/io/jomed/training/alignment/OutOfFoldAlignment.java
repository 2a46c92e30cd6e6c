package io.jomed.training.alignment;

import io.jomed.api.progress.ProgressListener;
import io.jomed.retriever.encoding.ImageTowerEncoder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Out-of-fold {@code f0} embeddings of training images. An image tower aligned on the training cases embeds
 * those very cases far better than unseen images (it memorises them), so a training query would find
 * unrealistically good neighbours in a knowledge base made of the training split, and a reader trained on
 * them would learn to over-trust retrieval. Here the training pairs are split into {@code F} folds; for
 * each fold a tower is aligned on the other folds (model selection on the validation pairs, as usual) and
 * embeds the held-out fold. Every training image thus gets an embedding from a tower that never saw it,
 * in the same text-key space (all towers are aligned to the same frozen {@code g0}), so it can query the
 * knowledge base whose keys the full tower made.
 *
 * <p>Stateless and thread-safe, but runs one alignment at a time (the PyTorch engine trains one model at a time).
 */
public final class OutOfFoldAlignment {
    private static final Logger LOG = LoggerFactory.getLogger(OutOfFoldAlignment.class);

    private OutOfFoldAlignment() {
    }

    /**
     * Out-of-fold embeddings of every training pair's image, in input order.
     *
     * @param alignment the alignment settings (the same as for the full tower)
     * @param train the training pairs, at least {@code 2 * folds}
     * @param validation pairs for model selection inside each fold
     * @param folds number of folds, at least 2
     * @param seed seed of the fold assignment
     */
    public static float[][] embed(ImageTowerAlignment alignment, List<AlignmentPair> train, List<AlignmentPair> validation,
            int folds, long seed, ProgressListener listener) {
        Objects.requireNonNull(alignment, "alignment");
        Objects.requireNonNull(listener, "listener");
        if (folds < 2) {
            throw new IllegalArgumentException("out-of-fold alignment needs at least 2 folds, got " + folds);
        }
        if (train.size() < 2 * folds) {
            throw new IllegalArgumentException("need at least " + 2 * folds + " training pairs for " + folds + " folds, got "
                    + train.size());
        }
        int[] fold = foldAssignment(train.size(), folds, seed);
        float[][] out = new float[train.size()][];
        for (int f = 0; f < folds; f++) {
            List<AlignmentPair> fit = new ArrayList<>();
            List<Integer> heldOut = new ArrayList<>();
            for (int i = 0; i < train.size(); i++) {
                if (fold[i] == f) {
                    heldOut.add(i);
                } else {
                    fit.add(train.get(i));
                }
            }
            LOG.info("out-of-fold alignment: fold {}/{} ({} pairs fit, {} held out)", f + 1, folds, fit.size(), heldOut.size());
            try (AlignmentResult result = alignment.align(fit, validation, listener);
                    ImageTowerEncoder encoder = new ImageTowerEncoder(result.tower())) {
                float[][] e = encoder.encode(heldOut.stream().map(i -> train.get(i).image()).toList());
                for (int j = 0; j < heldOut.size(); j++) {
                    out[heldOut.get(j)] = e[j];
                }
            }
        }
        return out;
    }

    /** Fold of each index: a seeded shuffle dealt round-robin, so fold sizes differ by at most one. */
    static int[] foldAssignment(int n, int folds, long seed) {
        List<Integer> order = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            order.add(i);
        }
        Collections.shuffle(order, new Random(seed));
        int[] fold = new int[n];
        for (int i = 0; i < n; i++) {
            fold[order.get(i)] = i % folds;
        }
        return fold;
    }
}
