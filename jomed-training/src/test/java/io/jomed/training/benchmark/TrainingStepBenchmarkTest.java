package io.jomed.training.benchmark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jomed.training.dataset.medmnist.MedMnistDataset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainingStepBenchmarkTest {

    @Test
    void settingsAreChecked() {
        assertThatThrownBy(() -> new TrainingStepBenchmark.Settings(List.of(), 1, 1, 0, 1))
                .hasMessage("at least one thread count is required");
        assertThatThrownBy(() -> new TrainingStepBenchmark.Settings(List.of(1, 0), 1, 1, 0, 1))
                .hasMessage("thread counts must be at least 1, got [1, 0]");
        assertThatThrownBy(() -> new TrainingStepBenchmark.Settings(List.of(1), -1, 1, 0, 1))
                .hasMessage("warm-up steps must be at least 0, got -1");
        assertThatThrownBy(() -> new TrainingStepBenchmark.Settings(List.of(1), 1, 0, 0, 1))
                .hasMessage("measured steps must be at least 1, got 0");
        assertThatThrownBy(() -> new TrainingStepBenchmark.Settings(List.of(1), 1, 1, -1, 1))
                .hasMessage("memory steps must be at least 0 (0: no memory run), got -1");
        assertThatThrownBy(() -> new TrainingStepBenchmark.Settings(List.of(1), 1, 1, 0, 0))
                .hasMessage("steps between memory samples must be at least 1, got 0");
    }

    @Test
    void timingSummaryUsesTheMiddleForMedianAndNearestRankForP90() {
        TrainingStepBenchmark.Timing t = TrainingStepBenchmark.Timing.of("phase1", 2,
                new long[] {4_000_000, 1_000_000, 3_000_000, 2_000_000}, new long[] {1_000_000, 1_000_000, 3_000_000, 5_000_000});
        assertThat(t.msMedian()).isEqualTo(2.5);
        assertThat(t.msMean()).isEqualTo(2.5);
        assertThat(t.msP90()).isEqualTo(4.0);
        assertThat(t.steps()).isEqualTo(4);
        assertThat(t.cpuMsMedian()).isEqualTo(2.0);
    }

    /** A few real steps on BreastMNIST; skipped without {@code JOMED_DATA_DIR}. */
    @Test
    void runsBothStepsOnBreastMnistAndWritesTheSharedJson(@TempDir Path dir) throws Exception {
        String env = System.getenv("JOMED_DATA_DIR");
        Assumptions.assumeTrue(env != null && !env.isBlank(), "JOMED_DATA_DIR is not set");
        Path file = Path.of(env, "breastmnist", "breastmnist.npz");
        Assumptions.assumeTrue(Files.isRegularFile(file), file + " is missing");
        TrainingStepBenchmark.Report report = new TrainingStepBenchmark(MedMnistDataset.load(file),
                new TrainingStepBenchmark.Settings(List.of(1), 1, 2, 4, 2)).run(line -> { });
        Path json = dir.resolve("out/jomed.json");
        report.writeJson(json);
        JsonNode o = new ObjectMapper().readTree(json.toFile());
        assertThat(o.get("framework").asText()).isEqualTo("jomed");
        assertThat(o.at("/versions/torch").asText()).isEqualTo("2.7.1");
        assertThat(o.at("/versions/jvm_options").isTextual()).isTrue();
        assertThat(o.at("/parameters/reader").asLong()).isEqualTo(382_850);
        assertThat(o.at("/parameters/tower").asLong()).isEqualTo(336_416);
        assertThat(o.get("interop_threads").asInt()).isEqualTo(1);
        assertThat(o.get("inputs").asText()).startsWith("breastmnist train split (546 images, 28x28x1");
        assertThat(o.get("results")).hasSize(2);
        assertThat(o.at("/results/1/step").asText()).isEqualTo("phase2");
        assertThat(o.at("/results/1/steps").asInt()).isEqualTo(2);
        assertThat(o.at("/results/1/ms_median").asDouble()).isPositive();
        assertThat(o.get("memory")).hasSize(2);
        assertThat(o.at("/memory/0/samples")).hasSize(3);
        assertThat(o.at("/memory/0/samples/2/0").asInt()).isEqualTo(4);
        assertThat(o.at("/memory/1/rss_slope_mib_per_1k").isNumber()).isTrue();
        assertThat(report.toMarkdown()).contains("| phase2 | 1 | 2 |").contains("slope per 1,000 steps");
    }
}
