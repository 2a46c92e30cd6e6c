package io.jomed.reader.input;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.jomed.retriever.encoding.NativeCopies;

/**
 * A batch of reader inputs as flat float arrays, in the order every reader of this module takes them:
 * <ol>
 *   <li>{@code queryImage} {@code [N, C, H, W]}, values in [-1, 1];</li>
 *   <li>{@code caseImage} {@code [N, C, H, W]}, zeros for closed-book rows;</li>
 *   <li>{@code caseText} {@code [N, textDim]}: the frozen embedding of the case report, zeros for closed-book rows;</li>
 *   <li>{@code question} {@code [N, textDim]}: the frozen embedding of the question, zeros when there is none;</li>
 *   <li>{@code hasContext} {@code [N, 1]}: 1 with a retrieved case, 0 closed-book.</li>
 * </ol>
 *
 * <p>Instances are immutable (the arrays are never exposed) and thread-safe.
 */
public final class EncodedReaderInputs {
    /** Names of the tensors of {@link #toNDList(NDManager)}, in order. */
    public static final String[] TENSOR_NAMES = {"queryImage", "caseImage", "caseText", "question", "hasContext"};

    private final int size;
    private final int channels;
    private final int height;
    private final int width;
    private final int textDimension;
    private final float[] queryImages;
    private final float[] caseImages;
    private final float[] caseTexts;
    private final float[] questions;
    private final float[] hasContext;

    EncodedReaderInputs(int size, int channels, int height, int width, int textDimension, float[] queryImages,
            float[] caseImages, float[] caseTexts, float[] questions, float[] hasContext) {
        this.size = size;
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.textDimension = textDimension;
        this.queryImages = queryImages;
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

    /** A copy of the query images, {@code [N, C, H, W]} flattened. */
    public float[] queryImages() {
        return queryImages.clone();
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
        NDList list = new NDList(
                NativeCopies.floats(manager, queryImages, image),
                NativeCopies.floats(manager, caseImages, image),
                NativeCopies.floats(manager, caseTexts, new Shape(size, textDimension)),
                NativeCopies.floats(manager, questions, new Shape(size, textDimension)),
                NativeCopies.floats(manager, hasContext, new Shape(size, 1)));
        for (int i = 0; i < list.size(); i++) {
            NDArray a = list.get(i);
            a.setName(TENSOR_NAMES[i]);
        }
        return list;
    }
}
