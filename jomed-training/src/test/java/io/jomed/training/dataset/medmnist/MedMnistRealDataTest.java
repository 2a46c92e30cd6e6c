package io.jomed.training.dataset.medmnist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.jomed.api.image.MedicalImage;
import io.jomed.api.kb.KnowledgeBaseCase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The official BreastMNIST and RetinaMNIST files; skipped unless {@code JOMED_DATA_DIR} names their folder. */
class MedMnistRealDataTest {

    private static final Logger LOG = LoggerFactory.getLogger(MedMnistRealDataTest.class);
    private Path dataDir;

    @BeforeEach
    void requireData() {
        String env = System.getenv(MedMnistLocator.ENV_DATA_DIR);
        Assumptions.assumeTrue(env != null && !env.isBlank(),
                "JOMED_DATA_DIR is not set: skipping the tests on the real MedMNIST files"
                        + " (set it to a folder holding breastmnist/breastmnist.npz and retinamnist/retinamnist.npz)");
        dataDir = Path.of(env);
    }

    private MedMnistDataset load(String name) throws IOException {
        Path file = MedMnistLocator.builder().optEnvironment(Map.of(MedMnistLocator.ENV_DATA_DIR, dataDir.toString()))
                .optDownloadEnabled(false).optCacheDir(dataDir.resolve("no-cache")).build().locate(name);
        assertThat(file).isEqualTo(dataDir.resolve(name).resolve(name + ".npz"));
        return MedMnistDataset.load(file);
    }

    @Test
    void breastMnistHasTheOfficialSplitsAndClassCounts() throws IOException {
        assumeThat(Files.exists(dataDir.resolve("breastmnist/breastmnist.npz"))).as("breastmnist.npz present").isTrue();
        MedMnistDataset ds = load("breastmnist");
        assertThat(ds.task()).isSameAs(MedMnistTask.BREASTMNIST);
        assertCounts(ds, MedMnistSplit.TRAIN, 546, 147, 399);
        assertCounts(ds, MedMnistSplit.VAL, 78, 21, 57);
        assertCounts(ds, MedMnistSplit.TEST, 156, 42, 114);
        MedicalImage first = ds.image(MedMnistSplit.TRAIN, 0);
        assertThat(first.width()).isEqualTo(28);
        assertThat(first.height()).isEqualTo(28);
        assertThat(first.channels()).isEqualTo(1);
        checkCasesAndDuplicates(ds);
    }

    @Test
    void retinaMnistHasTheOfficialSplitsClassCountsAndRgbImages() throws IOException {
        assumeThat(Files.exists(dataDir.resolve("retinamnist/retinamnist.npz"))).as("retinamnist.npz present").isTrue();
        MedMnistDataset ds = load("retinamnist");
        assertThat(ds.task()).isSameAs(MedMnistTask.RETINAMNIST);
        assertCounts(ds, MedMnistSplit.TRAIN, 1080, 486, 128, 206, 194, 66);
        assertCounts(ds, MedMnistSplit.VAL, 120, 54, 12, 28, 20, 6);
        assertCounts(ds, MedMnistSplit.TEST, 400, 174, 46, 92, 68, 20);
        MedicalImage image = ds.image(MedMnistSplit.TEST, 7);
        assertThat(image.channels()).isEqualTo(3);
        assertThat(image.width()).isEqualTo(28);
        // fundus photographs are colour: some pixel must differ between channels
        boolean colour = false;
        for (int y = 0; y < 28 && !colour; y++) {
            for (int x = 0; x < 28 && !colour; x++) {
                colour = image.pixel(x, y, 0) != image.pixel(x, y, 1) || image.pixel(x, y, 1) != image.pixel(x, y, 2);
            }
        }
        assertThat(colour).as("RGB channels differ somewhere").isTrue();
        checkCasesAndDuplicates(ds);
    }

    private static void assertCounts(MedMnistDataset ds, MedMnistSplit split, int size, int... perClass) {
        assertThat(ds.size(split)).as("%s %s size", ds.name(), split.key()).isEqualTo(size);
        assertThat(ds.labelCounts(split).values()).as("%s %s class counts", ds.name(), split.key())
                .containsExactly(java.util.Arrays.stream(perClass).boxed().toArray(Integer[]::new));
    }

    /** Ids are unique; duplicates (same pixels) are counted and logged, not forbidden. */
    private static void checkCasesAndDuplicates(MedMnistDataset ds) {
        Set<String> ids = new HashSet<>();
        Set<String> hashes = new HashSet<>();
        int total = 0;
        for (MedMnistSplit split : MedMnistSplit.values()) {
            List<KnowledgeBaseCase> cases = ds.cases(split);
            assertThat(cases).hasSize(ds.size(split));
            assertThat(ds.examples(split)).hasSize(ds.size(split));
            for (KnowledgeBaseCase c : cases) {
                assertThat(ids.add(c.id())).as("unique id %s", c.id()).isTrue();
                hashes.add(c.image().contentHash());
                total++;
            }
        }
        int duplicates = total - hashes.size();
        LOG.info("{}: {} images, {} distinct contents, {} duplicates", ds.name(), total, hashes.size(), duplicates);
        assertThat(hashes.size()).as("distinct image contents of %s", ds.name()).isGreaterThan(total * 9 / 10);
    }
}
