package io.jomed.retriever.kb.jsonl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jomed.api.image.MedicalImage;
import io.jomed.api.kb.KnowledgeBaseCase;
import io.jomed.api.progress.ProgressListener;
import io.jomed.retriever.kb.LuceneKnowledgeBase;
import io.jomed.retriever.testing.HashingTextEncoder;
import io.jomed.retriever.testing.PixelImageEncoder;
import io.jomed.retriever.testing.ClusteredCases;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class JsonlCaseSourceTest {

    @TempDir
    Path tmp;

    private Path root;
    private Path jsonl;

    @BeforeEach
    void images() throws IOException {
        root = Files.createDirectories(tmp.resolve("root"));
        Files.createDirectories(root.resolve("img"));
        for (int i = 0; i < 3; i++) {
            writePng(ClusteredCases.image(i), root.resolve("img/" + i + ".png"));
        }
        jsonl = tmp.resolve("cases.jsonl");
    }

    private static void writePng(MedicalImage image, Path file) throws IOException {
        assertThat(ImageIO.write(image.toBufferedImage(), "png", file.toFile())).isTrue();
    }

    private JsonlCaseSource source(String... lines) throws IOException {
        Files.writeString(jsonl, String.join("\n", lines) + "\n");
        return JsonlCaseSource.builder().setFile(jsonl).setImageRoot(root).build();
    }

    private static List<KnowledgeBaseCase> readAll(JsonlCaseSource source) {
        List<KnowledgeBaseCase> out = new ArrayList<>();
        source.forEach(out::add);
        return out;
    }

    @Test
    void readsCasesWithMetadataInFileOrderAndSkipsBlankLines() throws IOException {
        JsonlCaseSource source = source(
                "{\"id\": \"a\", \"img_path\": \"img/0.png\", \"text\": \"Mild effusion.\", \"source\": \"mimic\","
                        + " \"label\": 1, \"score\": 0.5, \"normal\": false, \"note\": null}",
                "",
                "   ",
                "{\"img_path\": \"./img/../img/1.png\", \"id\": \"b\"}");
        List<KnowledgeBaseCase> cases = readAll(source);
        assertThat(cases).hasSize(2);
        KnowledgeBaseCase a = cases.get(0);
        assertThat(a.id()).isEqualTo("a");
        assertThat(a.text()).isEqualTo("Mild effusion.");
        assertThat(a.image()).isEqualTo(ClusteredCases.image(0));
        assertThat(a.metadata()).containsExactly(
                java.util.Map.entry("source", "mimic"), java.util.Map.entry("label", "1"),
                java.util.Map.entry("score", "0.5"), java.util.Map.entry("normal", "false"));
        KnowledgeBaseCase b = cases.get(1);
        assertThat(b.text()).isEmpty();
        assertThat(b.metadata()).isEmpty();
        assertThat(b.image()).isEqualTo(ClusteredCases.image(1));
        // the source can be iterated again
        assertThat(readAll(source)).isEqualTo(cases);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "malformed JSON                  | {\"id\": \"x\", \"img_path\": |malformed JSON",
        "not an object                   | [1, 2]                                            |expected a JSON object",
        "trailing tokens                 | {\"id\": \"x\", \"img_path\": \"img/0.png\"} {}   |malformed JSON",
        "duplicate key                   | {\"id\": \"x\", \"id\": \"y\", \"img_path\": \"img/0.png\"} |malformed JSON",
        "missing id                      | {\"img_path\": \"img/0.png\"}                     |missing required field \"id\"",
        "blank id                        | {\"id\": \"  \", \"img_path\": \"img/0.png\"}     |field \"id\" is blank",
        "numeric id                      | {\"id\": 5, \"img_path\": \"img/0.png\"}          |field \"id\" must be a string",
        "missing img_path                | {\"id\": \"x\"}                                   |missing required field \"img_path\"",
        "non-string text                 | {\"id\": \"x\", \"img_path\": \"img/0.png\", \"text\": 3} |\"text\" must be a string",
        "array metadata                  | {\"id\": \"x\", \"img_path\": \"img/0.png\", \"tags\": [1]} |metadata field \"tags\"",
        "object metadata                 | {\"id\": \"x\", \"img_path\": \"img/0.png\", \"o\": {}}   |metadata field \"o\"",
        "bad metadata key                | {\"id\": \"x\", \"img_path\": \"img/0.png\", \"9bad\": 1} |metadata key",
        "missing image                   | {\"id\": \"x\", \"img_path\": \"img/404.png\"}    |does not exist",
        "parent escape                   | {\"id\": \"x\", \"img_path\": \"../outside.png\"} |leads outside the image root",
        "nested parent escape            | {\"id\": \"x\", \"img_path\": \"img/../../outside.png\"} |leads outside the image root",
        "absolute path                   | {\"id\": \"x\", \"img_path\": \"/etc/passwd\"}    |is absolute",
        "folder, not a file              | {\"id\": \"x\", \"img_path\": \"img\"}            |is not a regular file",
    })
    void badLinesFailWithFileAndLineNumber(String name, String badLine, String expected) throws IOException {
        Files.writeString(tmp.resolve("outside.png"), "not even an image");
        JsonlCaseSource source = source(
                "{\"id\": \"ok\", \"img_path\": \"img/0.png\"}",
                "",
                badLine.strip(),
                "{\"id\": \"never\", \"img_path\": \"img/1.png\"}");
        assertThatThrownBy(() -> readAll(source))
                .isInstanceOf(JsonlFormatException.class)
                .hasMessageStartingWith(jsonl + ":3: ")
                .hasMessageContaining(expected)
                .satisfies(e -> assertThat(((JsonlFormatException) e).line()).isEqualTo(3))
                .satisfies(e -> assertThat(((JsonlFormatException) e).file()).isEqualTo(jsonl));
    }

    @Test
    void undecodableAndEmptyImagesFailWithTheLine() throws IOException {
        Files.writeString(root.resolve("img/garbage.png"), "this is not a png");
        Files.write(root.resolve("img/empty.png"), new byte[0]);
        assertThatThrownBy(() -> readAll(source("{\"id\": \"g\", \"img_path\": \"img/garbage.png\"}")))
                .isInstanceOf(JsonlFormatException.class)
                .hasMessageStartingWith(jsonl + ":1: case g: img_path \"img/garbage.png\"")
                .hasMessageContaining("cannot be decoded");
        assertThatThrownBy(() -> readAll(source("", "{\"id\": \"e\", \"img_path\": \"img/empty.png\"}")))
                .isInstanceOf(JsonlFormatException.class)
                .hasMessageStartingWith(jsonl + ":2: ")
                .hasMessageContaining("empty");
    }

    @Test
    void symbolicLinksOutOfTheRootAreRefusedAndLinksInsideAreFollowed() throws IOException {
        Path outside = tmp.resolve("secret.png");
        writePng(ClusteredCases.image(9), outside);
        Files.createSymbolicLink(root.resolve("img/link-out.png"), outside);
        Files.createSymbolicLink(root.resolve("dir-out"), tmp);
        Files.createSymbolicLink(root.resolve("img/link-in.png"), root.resolve("img/2.png"));
        assertThatThrownBy(() -> readAll(source("{\"id\": \"s\", \"img_path\": \"img/link-out.png\"}")))
                .isInstanceOf(JsonlFormatException.class)
                .hasMessageStartingWith(jsonl + ":1: ")
                .hasMessageContaining("symbolic link");
        assertThatThrownBy(() -> readAll(source("{\"id\": \"s\", \"img_path\": \"dir-out/secret.png\"}")))
                .isInstanceOf(JsonlFormatException.class)
                .hasMessageContaining("symbolic link");
        assertThat(readAll(source("{\"id\": \"in\", \"img_path\": \"img/link-in.png\"}")).get(0).image())
                .isEqualTo(ClusteredCases.image(2));
    }

    @Test
    void builderValidatesItsArguments() throws IOException {
        assertThatThrownBy(() -> JsonlCaseSource.builder().setImageRoot(root).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("setFile");
        assertThatThrownBy(() -> JsonlCaseSource.builder().setFile(jsonl).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("setImageRoot");
        assertThatThrownBy(() -> JsonlCaseSource.builder().setFile(jsonl).setImageRoot(root).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(jsonl.toString());
        Files.writeString(jsonl, "");
        assertThatThrownBy(() -> JsonlCaseSource.builder().setFile(jsonl).setImageRoot(tmp.resolve("nope")).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("image root");
        assertThat(JsonlCaseSource.builder().setFile(jsonl).setImageRoot(root).build()).isEmpty();
    }

    @Test
    void aBadLineInAnIngestLeavesTheKnowledgeBaseIntact() throws IOException {
        PixelImageEncoder images = new PixelImageEncoder();
        HashingTextEncoder texts = new HashingTextEncoder();
        try (LuceneKnowledgeBase kb = LuceneKnowledgeBase.builder().setDirectory(tmp.resolve("kb"))
                .setImageEncoder(images).setTextEncoder(texts).optIngestBatchSize(1).build()) {
            kb.ingest(source("{\"id\": \"first\", \"img_path\": \"img/0.png\", \"text\": \"report\"}"),
                    ProgressListener.NONE);
            assertThat(kb.ids()).containsExactly("first");
            String good = "{\"id\": \"second\", \"img_path\": \"img/1.png\"}";
            String third = "{\"id\": \"third\", \"img_path\": \"img/2.png\"}";
            for (String bad : List.of("{oops", "{\"id\": \"x\", \"img_path\": \"../outside.png\"}",
                    "{\"id\": \"x\", \"img_path\": \"/abs.png\"}", "{\"id\": \"x\", \"img_path\": \"img/none.png\"}",
                    "{\"img_path\": \"img/1.png\"}")) {
                JsonlCaseSource source = source(good, third, bad);
                assertThatThrownBy(() -> kb.ingest(source, ProgressListener.NONE))
                        .isInstanceOf(JsonlFormatException.class).hasMessageStartingWith(jsonl + ":3: ");
                assertThat(kb.ids()).containsExactly("first");
            }
            assertThat(kb.ingest(source(good, third), ProgressListener.NONE).added()).isEqualTo(2);
            assertThat(kb.ids()).containsExactly("first", "second", "third");
        }
    }
}
