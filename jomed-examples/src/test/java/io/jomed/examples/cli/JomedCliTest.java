package io.jomed.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jomed.api.image.MedicalImage;
import io.jomed.api.testing.SyntheticCases;
import io.jomed.retriever.encoding.ImageTower;
import io.jomed.retriever.encoding.ImageTowerConfig;
import io.jomed.retriever.image.ImageInputSpec;
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

    @Test
    void helpListsEveryCommand() {
        String out = capture(() -> assertThat(JomedCli.run("--help")).isZero());
        assertThat(out).contains("demo", "train", "evaluate", "diagnose", "index", "retrieval-eval", "benchmark-diagnose",
                "not a medical device");
    }

    @Test
    void benchmarkDiagnoseRefusesAMissingBundle() {
        assertThat(JomedCli.run("benchmark-diagnose", "--bundle", dir.resolve("no-bundle").toString())).isNotZero();
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
