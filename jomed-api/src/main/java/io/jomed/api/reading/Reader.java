package io.jomed.api.reading;

import java.util.List;

/**
 * The reader of method.md: answers a query with one retrieved case in context at a time and exposes, per
 * (query, case) pair, the label logits that fusion and reader-supervised retriever training need.
 *
 * <p>For a classifier reader the label logits are its output logits. Settings that concern generated
 * text (greedy decoding, token parsing, label tokens) apply only to readers that generate text.
 * Implementations must be safe to call from many threads at once.
 */
public interface Reader extends AutoCloseable {

    /** The classes this reader scores, in logit order. */
    LabelSpace labelSpace();

    /**
     * Scores many (query, case) pairs, in as few batched forward passes as the implementation can.
     *
     * @return one {@link LabelLogits} per input, in input order
     * @throws io.jomed.api.image.InvalidImageException if an image cannot be read
     */
    List<LabelLogits> score(List<ReaderInput> inputs);

    /** Scores one pair. */
    default LabelLogits score(ReaderInput input) {
        return score(List.of(input)).get(0);
    }

    @Override
    void close();
}
