package io.jomed.api.testing;

import io.jomed.api.reading.LabelLogits;
import io.jomed.api.reading.LabelSpace;
import io.jomed.api.reading.Reader;
import io.jomed.api.reading.ReaderInput;
import java.util.List;

/**
 * A test reader whose logits depend only on the context case's {@code group} metadata: group {@code a}
 * votes for label 0, anything else (or no context) for label 1, with a margin equal to the case index
 * plus one. Lets pipeline tests know the right answer in advance.
 *
 * <p>Immutable and thread-safe.
 */
public final class ConstantReader implements Reader {
    public static final LabelSpace LABELS = LabelSpace.builder().setName("test").addLabel("yes").addLabel("no")
            .optPositiveLabel("yes").build();

    @Override
    public LabelSpace labelSpace() {
        return LABELS;
    }

    @Override
    public List<LabelLogits> score(List<ReaderInput> inputs) {
        return inputs.stream().map(in -> {
            if (in.context().isEmpty()) {
                return LabelLogits.of(new float[] {0f, 1f});
            }
            var c = in.context().get();
            float margin = Integer.parseInt(c.metadata("index").orElse("0")) + 1f;
            boolean a = c.metadata("group").orElse("").equals("a");
            return LabelLogits.of(a ? new float[] {margin, 0f} : new float[] {0f, margin});
        }).toList();
    }

    @Override
    public void close() {
    }
}
