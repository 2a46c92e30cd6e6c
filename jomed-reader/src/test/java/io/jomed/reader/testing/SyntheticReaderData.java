package io.jomed.reader.testing;

import io.jomed.api.image.MedicalImage;
import io.jomed.api.kb.KnowledgeBaseCase;
import io.jomed.api.reading.LabelSpace;
import io.jomed.api.reading.ReaderInput;
import io.jomed.api.retrieval.Query;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Small synthetic reader inputs for tests. Stateless and thread-safe. */
public final class SyntheticReaderData {
    public static final LabelSpace LABELS = LabelSpace.builder().setName("synthetic").addLabel("0").addLabel("1")
            .addLabel("2").build();

    private SyntheticReaderData() {
    }

    /** A noisy image around a base brightness. */
    public static MedicalImage image(int width, int height, int channels, int brightness, Random random) {
        byte[] px = new byte[width * height * channels];
        for (int i = 0; i < px.length; i++) {
            px[i] = (byte) Math.max(0, Math.min(255, brightness + random.nextInt(41) - 20));
        }
        return MedicalImage.ofPixels(width, height, channels, px);
    }

    /** A case whose report states its label. */
    public static KnowledgeBaseCase reportCase(String id, int label, Random random) {
        return KnowledgeBaseCase.builder().setId(id).setImage(image(28, 28, 1, 60 + 40 * label, random))
                .optText("finding consistent with label " + label).optMetadata("label", Integer.toString(label)).build();
    }

    /** Mixed inputs: every third closed-book, the others with a case; some with a question. */
    public static List<ReaderInput> mixedInputs(int n, long seed) {
        Random random = new Random(seed);
        List<ReaderInput> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            MedicalImage img = image(28, 28, 1, random.nextInt(200), random);
            Query q = i % 2 == 0 ? Query.of(img) : Query.of(img, "what is the grade?");
            out.add(i % 3 == 2 ? ReaderInput.closedBook(q)
                    : ReaderInput.withContext(q, reportCase("case-" + i, i % 3, random)));
        }
        return out;
    }
}
