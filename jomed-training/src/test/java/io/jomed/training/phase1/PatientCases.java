package io.jomed.training.phase1;

import io.jomed.api.image.MedicalImage;
import io.jomed.api.kb.KnowledgeBaseCase;
import io.jomed.api.reading.LabelSpace;
import io.jomed.api.retrieval.Query;
import io.jomed.api.training.TaskExample;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Synthetic "patients" for phase-1 tests: each patient has a random 16x16 grey prototype and a label drawn
 * independently of it; their images are noisy copies of the prototype. The knowledge base holds a few
 * images per patient with a report that states the label, so an image neighbour's report carries the
 * answer, while a closed-book reader cannot know the label of a patient it was not trained on. Stateless and
 * thread-safe.
 */
public final class PatientCases {
    static final int SIZE = 16;
    public static final LabelSpace LABELS = LabelSpace.builder().setName("patients").addLabel("no").addLabel("yes")
            .optPositiveLabel("yes").build();

    private final byte[][] prototypes;
    private final int[] labels;
    private final long seed;

    public PatientCases(int patients, long seed) {
        this.seed = seed;
        Random random = new Random(seed);
        prototypes = new byte[patients][SIZE * SIZE];
        labels = new int[patients];
        for (int p = 0; p < patients; p++) {
            random.nextBytes(prototypes[p]);
            labels[p] = p % 2;
        }
        for (int p = patients - 1; p > 0; p--) {
            int j = random.nextInt(p + 1);
            int t = labels[p];
            labels[p] = labels[j];
            labels[j] = t;
        }
    }

    int patients() {
        return prototypes.length;
    }

    String label(int patient) {
        return LABELS.label(labels[patient]);
    }

    /** A noisy copy of a patient's prototype; {@code copy} selects the noise. */
    MedicalImage image(int patient, int copy) {
        Random random = new Random(seed * 1_000_003L + patient * 1_009L + copy);
        byte[] px = new byte[SIZE * SIZE];
        for (int i = 0; i < px.length; i++) {
            int v = (prototypes[patient][i] & 0xFF) + random.nextInt(61) - 30;
            px[i] = (byte) Math.max(0, Math.min(255, v));
        }
        return MedicalImage.ofPixels(SIZE, SIZE, 1, px);
    }

    static String id(int patient, int copy) {
        return String.format(Locale.ROOT, "p%03d-%d", patient, copy);
    }

    /** {@code copies} cases per patient (copies 0..copies-1), each with a report stating the label. */
    public List<KnowledgeBaseCase> cases(int copies) {
        List<KnowledgeBaseCase> out = new ArrayList<>();
        for (int p = 0; p < patients(); p++) {
            for (int c = 0; c < copies; c++) {
                out.add(KnowledgeBaseCase.builder().setId(id(p, c)).setImage(image(p, c))
                        .optText(labels[p] == 1 ? "report malignant lesion answer yes" : "report benign tissue answer no")
                        .optMetadata("label", label(p)).optMetadata("patient", Integer.toString(p)).build());
            }
        }
        return out;
    }

    /** The knowledge-base cases of patients {@code [from, to)} as training examples (same ids). */
    public List<TaskExample> trainingExamples(int copies, int from, int to) {
        List<TaskExample> out = new ArrayList<>();
        for (int p = from; p < to; p++) {
            for (int c = 0; c < copies; c++) {
                out.add(new TaskExample(id(p, c), Query.of(image(p, c)), label(p)));
            }
        }
        return out;
    }

    /** One new image (copy {@code copy}, not in the knowledge base) of each patient in {@code [from, to)}. */
    public List<TaskExample> heldOutExamples(int copy, int from, int to) {
        List<TaskExample> out = new ArrayList<>();
        for (int p = from; p < to; p++) {
            out.add(new TaskExample("q" + id(p, copy), Query.of(image(p, copy)), label(p)));
        }
        return out;
    }
}
