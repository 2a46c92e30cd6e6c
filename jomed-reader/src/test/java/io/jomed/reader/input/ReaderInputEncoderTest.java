package io.jomed.reader.input;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.jomed.api.encoding.EncoderFingerprint;
import io.jomed.api.encoding.TextEncoder;
import io.jomed.api.image.InvalidImageException;
import io.jomed.api.image.MedicalImage;
import io.jomed.api.kb.KnowledgeBaseCase;
import io.jomed.api.reading.ReaderInput;
import io.jomed.api.retrieval.Query;
import io.jomed.reader.testing.HashTextEncoder;
import io.jomed.retriever.image.ImageAugmentation;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ReaderInputEncoderTest {
    private static MedicalImage grey(int w, int h, int value) {
        byte[] px = new byte[w * h];
        Arrays.fill(px, (byte) value);
        return MedicalImage.ofPixels(w, h, 1, px);
    }

    private static KnowledgeBaseCase kase(String id, String text, MedicalImage image) {
        return KnowledgeBaseCase.builder().setId(id).setImage(image).optText(text).build();
    }

    /** A 4x4 grey image whose pixel (x, y) is {@code 16 * (4 y + x)}, so mirror images differ. */
    private static MedicalImage ramp() {
        byte[] px = new byte[16];
        for (int i = 0; i < 16; i++) {
            px[i] = (byte) (16 * i);
        }
        return MedicalImage.ofPixels(4, 4, 1, px);
    }

    private static float[] mirrored(float[] image, int width) {
        float[] out = new float[image.length];
        for (int i = 0; i < image.length; i++) {
            int x = i % width;
            out[i] = image[i - x + width - 1 - x];
        }
        return out;
    }

    @Test
    void augmentedTransformsEachImageAloneAndLeavesTextsFlagsAndClosedBookRowsAlone() {
        HashTextEncoder text = new HashTextEncoder(8);
        ReaderInputEncoder encoder = ReaderInputEncoder.builder().setTextEncoder(text)
                .setImageInput(new ReaderImageInput(4, 4, 1)).build();
        Query query = Query.of(ramp(), "asked");
        List<ReaderInput> inputs = List.of(
                ReaderInput.withContext(query, kase("a", "report a", ramp())),
                ReaderInput.withContext(query, kase("b", "report b", ramp())),
                ReaderInput.closedBook(Query.of(grey(4, 4, 0))));
        EncodedReaderInputs plain = encoder.encode(inputs);
        assertThat(plain.augmented(ImageAugmentation.NONE, new Random(1))).isSameAs(plain);

        ImageAugmentation flips = new ImageAugmentation(0, true, false);
        float[] original = Arrays.copyOfRange(plain.caseImages(), 0, 16);
        float[] mirror = mirrored(original, 4);
        Set<String> seen = new HashSet<>();
        for (int seed = 0; seed < 20; seed++) {
            EncodedReaderInputs aug = plain.augmented(flips, new Random(seed));
            assertThat(aug.distinctQueryImages()).isEqualTo(2);
            float[] q = aug.queryImages();
            // both rows of the query share one (possibly mirrored) copy of it
            assertThat(Arrays.copyOfRange(q, 0, 16)).isEqualTo(Arrays.copyOfRange(q, 16, 32));
            float[] c = aug.caseImages();
            for (int row = 0; row < 2; row++) {
                float[] image = Arrays.copyOfRange(c, row * 16, row * 16 + 16);
                assertThat(Arrays.equals(image, original) || Arrays.equals(image, mirror))
                        .as("case image of row %d is the image or its mirror", row).isTrue();
                seen.add(row + ":" + Arrays.equals(image, original));
            }
            assertThat(Arrays.copyOfRange(c, 32, 48)).containsOnly(0f);
            assertThat(aug.caseTexts()).isEqualTo(plain.caseTexts());
            assertThat(aug.questions()).isEqualTo(plain.questions());
            assertThat(aug.hasContext(2)).isEqualTo(0f);
        }
        // each case image is flipped on its own draw: over 20 draws each row was seen both ways
        assertThat(seen).containsExactlyInAnyOrder("0:true", "0:false", "1:true", "1:false");
        assertThat(plain.caseImages()).startsWith(original); // the original batch is untouched
    }

    @Test
    void encodesShapesFlagsAndConvertsGreyToRgbAtTheReaderSize() {
        HashTextEncoder text = new HashTextEncoder(8);
        ReaderInputEncoder encoder = ReaderInputEncoder.builder().setTextEncoder(text)
                .setImageInput(new ReaderImageInput(4, 4, 3))
                .optDefaultQuestion("task question").build();
        List<ReaderInput> inputs = List.of(
                ReaderInput.withContext(Query.of(grey(8, 8, 255), "asked"), kase("a", "report a", grey(4, 4, 0))),
                ReaderInput.closedBook(Query.of(grey(2, 2, 0))));
        EncodedReaderInputs enc = encoder.encode(inputs);
        assertThat(enc.size()).isEqualTo(2);
        float[] q = enc.queryImages();
        assertThat(q).hasSize(2 * 3 * 4 * 4);
        assertThat(q[0]).isEqualTo(1f); // 255 -> 1 after resize 8x8 -> 4x4
        assertThat(q[48]).isEqualTo(-1f); // 0 -> -1 after upsampling 2x2 -> 4x4
        float[] c = enc.caseImages();
        assertThat(c[0]).isEqualTo(-1f);
        assertThat(c[48]).isEqualTo(0f); // closed-book row: zeros
        assertThat(enc.hasContext(0)).isEqualTo(1f);
        assertThat(enc.hasContext(1)).isEqualTo(0f);
        float[] caseText = enc.caseTexts();
        assertThat(caseText).hasSize(16);
        assertThat(Arrays.copyOfRange(caseText, 0, 8)).isEqualTo(text.encode("report a"));
        assertThat(Arrays.copyOfRange(caseText, 8, 16)).containsOnly(0f);
        float[] questions = enc.questions();
        assertThat(Arrays.copyOfRange(questions, 0, 8)).isEqualTo(text.encode("asked"));
        assertThat(Arrays.copyOfRange(questions, 8, 16)).isEqualTo(text.encode("task question"));
    }

    @Test
    void theTensorsOfTwoBatchesInOneManagerHoldTheirOwnValues() {
        HashTextEncoder text = new HashTextEncoder(8);
        ReaderInputEncoder encoder = ReaderInputEncoder.builder().setTextEncoder(text).setImageInput(new ReaderImageInput(4, 4, 1)).build();
        EncodedReaderInputs first = encoder.encode(List.of(
                ReaderInput.withContext(Query.of(grey(4, 4, 10), "q1"), kase("a", "report a", grey(4, 4, 20)))));
        EncodedReaderInputs second = encoder.encode(List.of(ReaderInput.closedBook(Query.of(grey(4, 4, 200), "q2"))));
        try (ai.djl.ndarray.NDManager manager = ai.djl.ndarray.NDManager.newBaseManager("PyTorch")) {
            ai.djl.ndarray.NDList a = first.toNDList(manager);
            ai.djl.ndarray.NDList b = second.toNDList(manager);
            assertThat(a.get(0).toFloatArray()).isEqualTo(first.queryImages());
            assertThat(a.get(1).toFloatArray()).isEqualTo(first.caseImages());
            assertThat(a.get(2).toFloatArray()).isEqualTo(first.caseTexts());
            assertThat(a.get(3).toFloatArray()).isEqualTo(first.questions());
            assertThat(a.get(4).toFloatArray()).containsExactly(1f);
            assertThat(b.get(0).toFloatArray()).isEqualTo(second.queryImages());
            assertThat(b.get(4).toFloatArray()).containsExactly(0f);
            assertThat(a.get(0).getShape()).isEqualTo(new ai.djl.ndarray.types.Shape(1, 1, 4, 4));
            assertThat(a.get(0).getName()).isEqualTo("queryImage");
        }
    }

    @Test
    void convertsRgbToGreyLuma() {
        byte[] px = {(byte) 255, 0, 0};
        MedicalImage red = MedicalImage.ofPixels(1, 1, 3, px);
        ReaderInputEncoder encoder = ReaderInputEncoder.builder().setTextEncoder(new HashTextEncoder(4))
                .setImageInput(new ReaderImageInput(1, 1, 1)).build();
        float v = encoder.encode(List.of(ReaderInput.closedBook(Query.of(red)))).queryImages()[0];
        assertThat((double) v).isCloseTo((0.299 * 255 / 255 - 0.5) / 0.5, within(1e-5));
    }

    @Test
    void cachesRepeatedTexts() {
        HashTextEncoder text = new HashTextEncoder(8);
        ReaderInputEncoder encoder = ReaderInputEncoder.builder().setTextEncoder(text).setImageInput(new ReaderImageInput(4, 4, 1)).build();
        KnowledgeBaseCase shared = kase("s", "same report", grey(4, 4, 9));
        List<ReaderInput> inputs = List.of(
                ReaderInput.withContext(Query.of(grey(4, 4, 1), "q"), shared),
                ReaderInput.withContext(Query.of(grey(4, 4, 2), "q"), shared));
        encoder.encode(inputs);
        encoder.encode(inputs);
        assertThat(text.encodedTexts()).isEqualTo(2);
        assertThat(encoder.cachedTexts()).isEqualTo(2);
    }

    @Test
    void rejectsAnImageWithTheWrongChannelsWhenConversionIsOffNamingTheCase() {
        ReaderInputEncoder encoder = ReaderInputEncoder.builder().setTextEncoder(new HashTextEncoder(4))
                .setImageInput(new ReaderImageInput(4, 4, 3)).optConvertChannels(false).build();
        MedicalImage rgb = MedicalImage.ofPixels(4, 4, 3, new byte[48]);
        List<ReaderInput> inputs = List.of(ReaderInput.withContext(Query.of(rgb), kase("case-42", "", grey(4, 4, 0))));
        assertThatThrownBy(() -> encoder.encode(inputs)).isInstanceOf(InvalidImageException.class)
                .hasMessageContaining("case case-42").hasMessageContaining("reader input 0").hasMessageContaining("1 channel(s)");
    }

    @Test
    void rejectsATextEncoderThatReturnsVectorsOfTheWrongDimension() {
        TextEncoder liar = new TextEncoder() {
            @Override
            public int dimension() {
                return 8;
            }

            @Override
            public EncoderFingerprint fingerprint() {
                return new EncoderFingerprint("liar", "0123abcd", 8);
            }

            @Override
            public float[][] encode(List<String> texts) {
                return texts.stream().map(t -> new float[5]).toArray(float[][]::new);
            }

            @Override
            public void close() {
            }
        };
        ReaderInputEncoder encoder = ReaderInputEncoder.builder().setTextEncoder(liar)
                .setImageInput(new ReaderImageInput(4, 4, 1)).build();
        assertThatThrownBy(() -> encoder.encode(List.of(ReaderInput.closedBook(Query.of(grey(4, 4, 0), "q")))))
                .hasMessageContaining("dimension 5").hasMessageContaining("expects 8").hasMessageContaining("liar");
    }
}
