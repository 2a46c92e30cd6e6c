package io.jomed.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jomed.api.image.MedicalImage;
import io.jomed.api.testing.SyntheticCases;
import io.jomed.retriever.encoding.ImageTower;
import io.jomed.retriever.encoding.ImageTowerConfig;
import io.jomed.retriever.image.ImageInputSpec;
import io.jomed.training.experiment.MedMnistDefaults;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class JomedCliTest {
    @TempDir
    Path dir;

    private static String capture(Runnable r) {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            r.run();
        } finally {
            System.setOut(old);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    private static String captureErr(Runnable r) {
        PrintStream old = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            r.run();
        } finally {
            System.setErr(old);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    @Test
    void helpListsEveryCommand() {
        String out = capture(() -> assertThat(JomedCli.run("--help")).isZero());
        assertThat(out).contains("demo", "train", "evaluate", "diagnose", "index", "retrieval-eval", "benchmark-diagnose",
                "export-embeddings", "benchmark-retrieval", "benchmark-training", "retrieval-summary",
                "not a medical device");
    }

    @Test
    void benchmarkRetrievalMeasuresHnswAndExactSearchOnNpyKeys() throws Exception {
        java.util.SplittableRandom random = new java.util.SplittableRandom(5);
        float[][] centres = new float[8][];
        for (int c = 0; c < centres.length; c++) {
            centres[c] = unit(random, null, 16);
        }
        float[][] keys = new float[600][];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = unit(random, centres[i % centres.length], 16);
        }
        float[][] queries = new float[20][];
        int[][] truth = new int[queries.length][10];
        for (int q = 0; q < queries.length; q++) {
            queries[q] = unit(random, centres[q % centres.length], 16);
            float[] query = queries[q];
            truth[q] = java.util.stream.IntStream.range(0, keys.length).boxed()
                    .sorted(java.util.Comparator.comparingDouble(i -> -dot(query, keys[i]))).limit(10).mapToInt(Integer::intValue).toArray();
        }
        io.jomed.training.dataset.npy.NpyWriter.writeFloat32(dir.resolve("base.npy"), keys);
        io.jomed.training.dataset.npy.NpyWriter.writeFloat32(dir.resolve("queries.npy"), queries);
        float[][] truthRows = new float[truth.length][];
        for (int q = 0; q < truth.length; q++) {
            truthRows[q] = new float[10];
            for (int j = 0; j < 10; j++) {
                truthRows[q][j] = truth[q][j];
            }
        }
        io.jomed.training.dataset.npy.NpyWriter.writeFloat32(dir.resolve("truth-float.npy"), truthRows);
        String[] common = {"benchmark-retrieval", "--base", dir.resolve("base.npy").toString(), "--queries",
            dir.resolve("queries.npy").toString(), "--label", "tiny", "--m", "8", "--breadth", "10,50", "--quantization", "NONE,INT8",
            "--threads", "1,2", "--min-seconds", "0", "--exact-queries", "20", "--work-dir", dir.resolve("idx").toString(),
            "--out", dir.resolve("r.json").toString()};
        // the ground truth must be integral: a float matrix is refused with the file named
        String err = captureErr(() -> assertThat(JomedCli.run(concat(common, "--truth", dir.resolve("truth-float.npy").toString())))
                .isEqualTo(2));
        assertThat(err).contains("truth-float.npy: expected an integer (20, >=10) matrix");
        writeInt32(dir.resolve("truth.npy"), truth);
        capture(() -> assertThat(JomedCli.run(concat(common, "--truth", dir.resolve("truth.npy").toString()))).isZero());
        var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(dir.resolve("r.json").toFile());
        assertThat(json.get("n").asInt()).isEqualTo(600);
        assertThat(json.get("builds")).hasSize(2);
        assertThat(json.get("searches")).hasSize(2 * 2 * 2);
        for (var search : json.get("searches")) {
            assertThat(search.get("qps").asDouble()).isPositive();
            if (search.get("breadth").asInt() == 50) {
                assertThat(search.get("recall_at10").asDouble()).isGreaterThan(0.9);
            }
        }
        assertThat(json.get("exact")).hasSize(2);
        assertThat(json.get("exact").get(0).get("recall_at10").asDouble()).isEqualTo(1.0);
    }

    private static float[] unit(java.util.SplittableRandom random, float[] centre, int d) {
        float[] v = new float[d];
        double norm = 0;
        for (int j = 0; j < d; j++) {
            v[j] = (float) ((random.nextDouble() - 0.5) * (centre == null ? 1 : 0.3) + (centre == null ? 0 : centre[j]));
            norm += v[j] * v[j];
        }
        for (int j = 0; j < d; j++) {
            v[j] /= (float) Math.sqrt(norm);
        }
        return v;
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return s;
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** An int32 (rows, 10) .npy written by hand, as numpy would. */
    private static void writeInt32(Path file, int[][] rows) throws Exception {
        String dict = "{'descr': '<i4', 'fortran_order': False, 'shape': (" + rows.length + ", 10), }";
        int unpadded = 10 + dict.length() + 1;
        int padded = (unpadded + 63) / 64 * 64;
        String text = dict + " ".repeat(padded - unpadded) + "\n";
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(padded + rows.length * 40).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0);
        b.putShort((short) text.length()).put(text.getBytes(StandardCharsets.US_ASCII));
        for (int[] r : rows) {
            for (int x : r) {
                b.putInt(x);
            }
        }
        java.nio.file.Files.write(file, b.array());
    }

    @Test
    void everyCommandThatAlignsF0TakesTowerMembers() {
        for (Object command : List.of(new DemoCommand(), new TrainCommand(), new RetrievalEvalCommand(), new ExportEmbeddingsCommand())) {
            CommandLine line = new CommandLine(command);
            assertThat(line.getCommandSpec().findOption("--tower-members")).as(line.getCommandName()).isNotNull();
        }
        RetrievalEvalCommand eval = new RetrievalEvalCommand();
        new CommandLine(eval).parseArgs("--tower-members", "3");
        assertThat(eval.tower.members()).isEqualTo(3);
        RetrievalEvalCommand byDefault = new RetrievalEvalCommand();
        new CommandLine(byDefault).parseArgs();
        assertThat(byDefault.tower.members()).isEqualTo(MedMnistDefaults.TOWER_MEMBERS);
    }

    @Test
    void benchmarkDiagnoseRefusesAMissingBundle() {
        assertThat(JomedCli.run("benchmark-diagnose", "--bundle", dir.resolve("no-bundle").toString())).isNotZero();
    }

    @Test
    void benchmarkTrainingRefusesAThreadCountOfZero() {
        assertThat(JomedCli.run("benchmark-training", "--threads", "1,0", "--steps", "1", "--memory-steps", "0")).isEqualTo(2);
    }

    @Test
    void indexIngestsAJsonlFileAndABadLineLeavesTheKnowledgeBaseAsItWas() throws Exception {
        Path images = Files.createDirectories(dir.resolve("images"));
        List<String> lines = new ArrayList<>();
        int i = 0;
        for (var c : SyntheticCases.cases(6)) {
            MedicalImage image = c.image();
            ImageIO.write(image.toBufferedImage(), "png", images.resolve("c" + i + ".png").toFile());
            lines.add("{\"id\": \"" + c.id() + "\", \"img_path\": \"c" + i + ".png\", \"text\": \"report " + i + "\", \"label\": \"" + (i % 2) + "\"}");
            i++;
        }
        Path jsonl = Files.write(dir.resolve("cases.jsonl"), lines);
        Path tower = dir.resolve("f0.tower");
        try (ImageTower t = ImageTower.create(ImageTowerConfig.builder().setInputSpec(ImageInputSpec.centered(28, 28, 1))
                .optChannelWidths(8, 16).optConvolutionsPerStage(1).build(), 3)) {
            t.save(tower);
        }
        Path kb = dir.resolve("kb");
        String out = capture(() -> assertThat(JomedCli.run("index", "--jsonl", jsonl.toString(), "--image-root", images.toString(),
                "--kb", kb.toString(), "--image-encoder", tower.toString())).isZero());
        assertThat(out).contains("6 cases ingested (6 added, 0 replaced)").contains("holds 6");

        Path bad = Files.write(dir.resolve("bad.jsonl"), List.of(lines.get(0).replace("case-000", "case-new"), "{not json"));
        assertThat(JomedCli.run("index", "--jsonl", bad.toString(), "--image-root", images.toString(), "--kb", kb.toString(),
                "--image-encoder", tower.toString())).isNotZero();
        String again = capture(() -> assertThat(JomedCli.run("index", "--jsonl", jsonl.toString(), "--image-root",
                images.toString(), "--kb", kb.toString(), "--image-encoder", tower.toString())).isZero());
        assertThat(again).contains("6 cases ingested (0 added, 6 replaced)").contains("holds 6");
    }
}
