package io.jomed.training.dataset.medmnist;

import static io.jomed.training.dataset.medmnist.MedMnistFixtures.HEIGHT;
import static io.jomed.training.dataset.medmnist.MedMnistFixtures.WIDTH;
import static io.jomed.training.dataset.medmnist.MedMnistFixtures.arrays;
import static io.jomed.training.dataset.medmnist.MedMnistFixtures.pixel;
import static io.jomed.training.dataset.medmnist.MedMnistFixtures.write;
import static io.jomed.training.dataset.npy.NpyFixtures.f4;
import static io.jomed.training.dataset.npy.NpyFixtures.npy;
import static io.jomed.training.dataset.npy.NpyFixtures.u1;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jomed.api.image.MedicalImage;
import io.jomed.api.kb.KnowledgeBaseCase;
import io.jomed.api.training.TaskExample;
import io.jomed.training.dataset.npy.NpyFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MedMnistDatasetTest {

    @TempDir
    Path dir;

    @Test
    void greyImagesWithFlatLabelsBecomeBreastCasesAndExamples() throws IOException {
        Path file = write(dir.resolve("breastmnist.npz"), arrays(1, false, 2));
        MedMnistDataset ds = MedMnistDataset.load(file);
        assertThat(ds.name()).isEqualTo("breastmnist");
        assertThat(ds.task()).isSameAs(MedMnistTask.BREASTMNIST);
        assertThat(ds.size(MedMnistSplit.TRAIN)).isEqualTo(6);
        assertThat(ds.size(MedMnistSplit.VAL)).isEqualTo(3);
        assertThat(ds.size(MedMnistSplit.TEST)).isEqualTo(4);
        assertThat(ds.labelCounts(MedMnistSplit.TRAIN)).containsExactly(Map.entry("malignant", 3),
                Map.entry("normal or benign", 3));
        assertThat(ds.labelCounts(MedMnistSplit.VAL)).containsExactly(Map.entry("malignant", 2),
                Map.entry("normal or benign", 1));

        MedicalImage image = ds.image(MedMnistSplit.VAL, 2);
        assertThat(image.width()).isEqualTo(WIDTH);
        assertThat(image.height()).isEqualTo(HEIGHT);
        assertThat(image.channels()).isEqualTo(1);
        assertThat(image.pixel(2, 1, 0)).isEqualTo(pixel(MedMnistSplit.VAL, 2, 2, 1, 0));

        List<KnowledgeBaseCase> cases = ds.cases(MedMnistSplit.TRAIN);
        assertThat(cases).hasSize(6);
        KnowledgeBaseCase c = cases.get(5);
        assertThat(c.id()).isEqualTo("breastmnist-train-00005");
        assertThat(c.text()).isEqualTo("Breast ultrasound: normal or benign tissue.");
        assertThat(c.metadata()).containsExactly(Map.entry("dataset", "breastmnist"), Map.entry("split", "train"),
                Map.entry("label", "normal or benign"), Map.entry("source", "medmnist"));
        assertThat(c.image()).isEqualTo(ds.image(MedMnistSplit.TRAIN, 5));
        assertThat(cases.get(0).text()).isEqualTo("Breast ultrasound: malignant lesion.");

        List<TaskExample> examples = ds.examples(MedMnistSplit.TEST);
        assertThat(examples).extracting(TaskExample::id).containsExactly("breastmnist-test-00000",
                "breastmnist-test-00001", "breastmnist-test-00002", "breastmnist-test-00003");
        assertThat(examples).extracting(TaskExample::goldLabel).containsExactly("malignant", "normal or benign",
                "malignant", "normal or benign");
        assertThat(examples.get(1).query().question()).contains(MedMnistTask.BREASTMNIST.question());
        assertThat(examples.get(1).query().image()).isEqualTo(ds.image(MedMnistSplit.TEST, 1));
    }

    @Test
    void rgbImagesWithColumnLabelsBecomeRetinaCases() throws IOException {
        Path file = write(dir.resolve("retinamnist.npz"), arrays(3, true, 5));
        MedMnistDataset ds = MedMnistDataset.load(file);
        assertThat(ds.task()).isSameAs(MedMnistTask.RETINAMNIST);
        MedicalImage image = ds.image(MedMnistSplit.TRAIN, 4);
        assertThat(image.channels()).isEqualTo(3);
        for (int ch = 0; ch < 3; ch++) {
            assertThat(image.pixel(1, 3, ch)).isEqualTo(pixel(MedMnistSplit.TRAIN, 4, 1, 3, ch));
        }
        assertThat(ds.label(MedMnistSplit.TRAIN, 4)).isEqualTo("4");
        assertThat(ds.labelCounts(MedMnistSplit.TRAIN)).containsExactly(Map.entry("0", 2), Map.entry("1", 1),
                Map.entry("2", 1), Map.entry("3", 1), Map.entry("4", 1));
        assertThat(ds.cases(MedMnistSplit.TRAIN).get(2).text())
                .isEqualTo("Fundus photograph: diabetic retinopathy grade 2 (moderate).");
        assertThat(ds.examples(MedMnistSplit.VAL).get(0).query().question())
                .contains("what is the severity of diabetic retinopathy?");
    }

    @Test
    void unknownNameFallsBackToNumericLabelsFromTheData() throws IOException {
        Path file = write(dir.resolve("mysterymnist.npz"), arrays(1, true, 3));
        MedMnistDataset ds = MedMnistDataset.load(file);
        assertThat(ds.task().isKnown()).isFalse();
        assertThat(ds.task().labelSpace().labels()).containsExactly("0", "1", "2");
        assertThat(ds.cases(MedMnistSplit.TRAIN).get(1).id()).isEqualTo("mysterymnist-train-00001");
        assertThat(ds.cases(MedMnistSplit.TRAIN).get(1).text()).isEqualTo("mysterymnist image: class 1.");
    }

    @Test
    void explicitTaskOverridesTheFileName() throws IOException {
        Path file = write(dir.resolve("copy.npz"), arrays(1, false, 2));
        MedMnistDataset ds = MedMnistDataset.load(file, MedMnistTask.BREASTMNIST);
        assertThat(ds.task()).isSameAs(MedMnistTask.BREASTMNIST);
        assertThat(ds.caseId(MedMnistSplit.TRAIN, 0)).isEqualTo("copy-train-00000");
    }

    @Test
    void missingKeyListsTheAvailableKeys() throws IOException {
        Map<String, byte[]> m = arrays(1, false, 2);
        m.remove("val_labels");
        Path file = write(dir.resolve("breastmnist.npz"), m);
        assertThatThrownBy(() -> MedMnistDataset.load(file)).isInstanceOf(MedMnistFormatException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining("missing arrays [val_labels]")
                .hasMessageContaining("available keys: [train_images, train_labels, val_images, test_images, test_labels]");
    }

    @Test
    void wrongImageDtypeIsRejected() throws IOException {
        Map<String, byte[]> m = arrays(1, false, 2);
        m.put("test_images", npy("<f4", new long[] {4, HEIGHT, WIDTH}, f4(new float[4 * HEIGHT * WIDTH])));
        Path file = write(dir.resolve("breastmnist.npz"), m);
        assertThatThrownBy(() -> MedMnistDataset.load(file)).isInstanceOf(MedMnistFormatException.class)
                .hasMessageContaining(file + ", key test_images").hasMessageContaining("uint8")
                .hasMessageContaining("<f4");
    }

    @Test
    void countMismatchBetweenImagesAndLabelsIsRejected() throws IOException {
        Map<String, byte[]> m = arrays(1, false, 2);
        m.put("val_labels", npy("|u1", new long[] {2}, u1(0, 1)));
        Path file = write(dir.resolve("breastmnist.npz"), m);
        assertThatThrownBy(() -> MedMnistDataset.load(file)).isInstanceOf(MedMnistFormatException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining("3 images (val_images)")
                .hasMessageContaining("2 labels (val_labels)");
    }

    @Test
    void labelOutsideTheLabelSpaceNamesFileKeyRowAndValue() throws IOException {
        Map<String, byte[]> m = arrays(1, false, 2);
        m.put("test_labels", npy("|u1", new long[] {4}, u1(0, 1, 1, 2)));
        Path file = write(dir.resolve("breastmnist.npz"), m);
        assertThatThrownBy(() -> MedMnistDataset.load(file)).isInstanceOf(MedMnistFormatException.class)
                .hasMessageContaining(file + ", key test_labels, row 3").hasMessageContaining("label value 2")
                .hasMessageContaining("0..1 for task breastmnist");
    }

    @Test
    void multiLabelFilesAreRejected() throws IOException {
        Map<String, byte[]> m = arrays(1, false, 2);
        m.put("train_labels", npy("|u1", new long[] {6, 14}, new byte[6 * 14]));
        Path file = write(dir.resolve("chestmnist.npz"), m);
        assertThatThrownBy(() -> MedMnistDataset.load(file)).isInstanceOf(MedMnistFormatException.class)
                .hasMessageContaining(file + ", key train_labels").hasMessageContaining("(6, 14)")
                .hasMessageContaining("multi-label");
    }

    @Test
    void channelCountMustMatchAKnownTask() throws IOException {
        Path file = write(dir.resolve("breastmnist.npz"), arrays(3, false, 2));
        assertThatThrownBy(() -> MedMnistDataset.load(file)).isInstanceOf(MedMnistFormatException.class)
                .hasMessageContaining("train_images").hasMessageContaining("1-channel");
    }

    @Test
    void badImageShapeIsRejected() throws IOException {
        Map<String, byte[]> m = arrays(1, false, 2);
        m.put("train_images", npy("|u1", new long[] {6, 12}, new byte[72]));
        Path file = write(dir.resolve("breastmnist.npz"), m);
        assertThatThrownBy(() -> MedMnistDataset.load(file)).isInstanceOf(MedMnistFormatException.class)
                .hasMessageContaining("(N,H,W) or (N,H,W,3)").hasMessageContaining("(6, 12)");
    }

    @Test
    void truncatedFileAndBadMagicAreRejected() throws IOException {
        Path good = write(dir.resolve("good.npz"), arrays(1, false, 2));
        byte[] bytes = Files.readAllBytes(good);
        Path truncated = Files.write(dir.resolve("breastmnist.npz"), Arrays.copyOf(bytes, bytes.length - 40));
        assertThatThrownBy(() -> MedMnistDataset.load(truncated)).isInstanceOf(NpyFormatException.class)
                .hasMessageContaining(truncated.toString());

        Map<String, byte[]> m = arrays(1, false, 2);
        byte[] broken = m.get("val_images").clone();
        broken[0] = 0;
        m.put("val_images", broken);
        Path badMagic = write(dir.resolve("retinamnist.npz"), m);
        assertThatThrownBy(() -> MedMnistDataset.load(badMagic)).isInstanceOf(NpyFormatException.class)
                .hasMessageContaining(badMagic + ", key val_images").hasMessageContaining("bad magic");
    }

    @Test
    void truncatedArrayInsideAValidArchiveIsRejected() throws IOException {
        Map<String, byte[]> m = arrays(1, false, 2);
        byte[] full = m.get("train_images");
        m.put("train_images", Arrays.copyOf(full, full.length - 5));
        Path file = write(dir.resolve("breastmnist.npz"), m);
        assertThatThrownBy(() -> MedMnistDataset.load(file)).isInstanceOf(NpyFormatException.class)
                .hasMessageContaining(file + ", key train_images").hasMessageContaining("truncated");
    }
}
