package io.jomed.reader.input;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.jomed.retriever.encoding.NativeCopies;
import io.jomed.retriever.image.ImageAugmentation;
import java.util.Objects;
import java.util.Random;

/**
 * A batch of reader inputs as flat float arrays, in the order every reader of this module takes them
 * ({@link #toNDList}):
 * <ol>
 *   <li>{@code queryImage} {@code [N, C, H, W]}, values in [-1, 1];</li>
 *   <li>{@code caseImage} {@code [N, C, H, W]}, zeros for closed-book rows;</li>
 *   <li>{@code caseText} {@code [N, textDim]}: the frozen embedding of the case report, zeros for closed-book rows;</li>
 *   <li>{@code question} {@code [N, textDim]}: the frozen embedding of the question, zeros when there is none;</li>
 *   <li>{@code hasContext} {@code [N, 1]}: 1 with a retrieved case, 0 closed-book.</li>
 * </ol>
 *
 * <p>Rows that share a query image (the retrieved cases of one query) share one copy of it: the batch holds the
 * {@link #distinctQueryImages() distinct} query images and each row's index among them. {@link #toCompactNDList}
 * hands them over in that form, so that a reader can run its image tower once per query instead of once per row.
 *
 * <p>Instances are immutable (the arrays are never exposed) and thread-safe.
 */
public final class EncodedReaderInputs {
    /** Names of the tensors of {@link #toNDList(NDManager)}, in order. */
    public static final String[] TENSOR_NAMES = {"queryImage", "caseImage", "caseText", "question", "hasContext"};

    /**
     * Names of the tensors of {@link #toCompactNDList(NDManager)}, in order: the distinct query images
     * {@code [Q, C, H, W]}, the four row tensors of {@link #TENSOR_NAMES} after the first, and each row's query image
     * index {@code [N]} (int64, in {@code [0, Q)}).
     */
    public static final String[] COMPACT_TENSOR_NAMES = {"distinctQueryImage", "caseImage", "caseText", "question",
        "hasContext", "queryImageIndex"};

    private final int size;
    private final int channels;
    private final int height;
    private final int width;
    private final int textDimension;
    private final float[] queryImages;
    private final int[] queryImageIndex;
    private final float[] caseImages;
    private final float[] caseTexts;
    private final float[] questions;
    private final float[] hasContext;

    /**
     * @param queryImages the distinct query images, {@code [Q, C, H, W]} flattened
     * @param queryImageIndex for each of the {@code size} rows, the index of its query image in {@code queryImages}
     */
    EncodedReaderInputs(int size, int channels, int height, int width, int textDimension, float[] queryImages,
            int[] queryImageIndex, float[] caseImages, float[] caseTexts, float[] questions, float[] hasContext) {
        this.size = size;
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.textDimension = textDimension;
        this.queryImages = queryImages;
        this.queryImageIndex = queryImageIndex;
        this.caseImages = caseImages;
        this.caseTexts = caseTexts;
        this.questions = questions;
        this.hasContext = hasContext;
    }

    /** Number of rows N. */
    public int size() {
        return size;
    }

    public int textDimension() {
        return textDimension;
    }

    /** The has-context flag of one row: 1 with a retrieved case, 0 closed-book. */
    public float hasContext(int row) {
        return hasContext[row];
    }

    /** Number of distinct query images Q among the N rows (at most N). */
    public int distinctQueryImages() {
        return queryImages.length / valuesPerImage();
    }

    /** The index of row {@code row}'s query image among the {@link #distinctQueryImages() distinct} ones. */
    public int queryImageIndex(int row) {
        return queryImageIndex[row];
    }

    /** A copy of the query images, one per row, {@code [N, C, H, W]} flattened. */
    public float[] queryImages() {
        return rowQueryImages();
    }

    private int valuesPerImage() {
        return channels * height * width;
    }

    private float[] rowQueryImages() {
        int per = valuesPerImage();
        float[] out = new float[size * per];
        for (int i = 0; i < size; i++) {
            System.arraycopy(queryImages, queryImageIndex[i] * per, out, i * per, per);
        }
        return out;
    }

    /**
     * A copy in which every distinct query image and every case image (rows with context) is transformed by
     * {@code augmentation} independently, drawing from {@code random}; text and flags are shared. For training only.
     */
    public EncodedReaderInputs augmented(ImageAugmentation augmentation, Random random) {
        Objects.requireNonNull(augmentation, "augmentation");
        Objects.requireNonNull(random, "random");
        if (augmentation.isNone()) {
            return this;
        }
        int per = valuesPerImage();
        float[] queries = new float[queryImages.length];
        for (int q = 0; q < queries.length / per; q++) {
            augmentation.apply(queryImages, queries, q * per, channels, height, width, random);
        }
        float[] cases = caseImages.clone();
        for (int i = 0; i < size; i++) {
            if (hasContext[i] != 0f) {
                augmentation.apply(caseImages, cases, i * per, channels, height, width, random);
            }
        }
        return new EncodedReaderInputs(size, channels, height, width, textDimension, queries, queryImageIndex, cases,
                caseTexts, questions, hasContext);
    }

    /** A copy of the case images, {@code [N, C, H, W]} flattened. */
    public float[] caseImages() {
        return caseImages.clone();
    }

    /** A copy of the case report embeddings, {@code [N, textDim]} flattened. */
    public float[] caseTexts() {
        return caseTexts.clone();
    }

    /** A copy of the question embeddings, {@code [N, textDim]} flattened. */
    public float[] questions() {
        return questions.clone();
    }

    /**
     * The five tensors, created in {@code manager} (normally a per-call sub-manager, which the caller closes), in
     * engine-owned memory freed when they close ({@link NativeCopies}).
     */
    public NDList toNDList(NDManager manager) {
        Shape image = new Shape(size, channels, height, width);
        NDList list = new NDList(NativeCopies.floats(manager, rowQueryImages(), image));
        list.addAll(rowTensors(manager));
        return named(list, TENSOR_NAMES);
    }

    /**
     * The six tensors of {@link #COMPACT_TENSOR_NAMES}: each distinct query image once and an index per row, instead
     * of a copy of the query image per row. Created in {@code manager} like {@link #toNDList}.
     */
    public NDList toCompactNDList(NDManager manager) {
        NDList list = new NDList(NativeCopies.floats(manager, queryImages,
                new Shape(distinctQueryImages(), channels, height, width)));
        list.addAll(rowTensors(manager));
        long[] index = new long[size];
        for (int i = 0; i < size; i++) {
            index[i] = queryImageIndex[i];
        }
        list.add(manager.create(index));
        return named(list, COMPACT_TENSOR_NAMES);
    }

    private NDList rowTensors(NDManager manager) {
        return new NDList(
                NativeCopies.floats(manager, caseImages, new Shape(size, channels, height, width)),
                NativeCopies.floats(manager, caseTexts, new Shape(size, textDimension)),
                NativeCopies.floats(manager, questions, new Shape(size, textDimension)),
                NativeCopies.floats(manager, hasContext, new Shape(size, 1)));
    }

    private static NDList named(NDList list, String[] names) {
        for (int i = 0; i < list.size(); i++) {
            NDArray a = list.get(i);
            a.setName(names[i]);
        }
        return list;
    }
}
