package io.jomed.retriever.encoding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import io.jomed.api.encoding.ImageEncoder;
import io.jomed.api.encoding.TextEncoder;
import io.jomed.api.image.MedicalImage;
import io.jomed.api.spi.ImageEncoderProvider;
import io.jomed.api.spi.Providers;
import io.jomed.api.spi.TextEncoderProvider;
import io.jomed.retriever.image.ImageInputSpec;
import io.jomed.retriever.image.ImagePreprocessor;
import io.jomed.retriever.testing.RandomArrays;
import io.jomed.retriever.testing.TorchScriptArchiveWriter;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TorchScriptEncoderTest {
    private static final int D = 5;

    @Test
    void imageEncoderMatchesFlattenLinearInJava(@TempDir Path dir) throws Exception {
        ImageInputSpec spec = ImageInputSpec.centered(6, 4, 3);
        int in = spec.size();
        float[] w = RandomArrays.gaussian(D * in, 1);
        float[] b = RandomArrays.gaussian(D, 2);
        Path file = dir.resolve("linear.pt");
        new TorchScriptArchiveWriter("FlattenLinear").parameter("weight", w, D, in).parameter("bias", b, D)
                .write(file, """
                          def forward(self: __torch__.FlattenLinear,
                            x: Tensor) -> Tensor:
                            _0 = torch.flatten(x, 1)
                            return torch.linear(_0, self.weight, self.bias)
                        """);
        List<MedicalImage> images = ImageTowerTest.randomImages(3, 9, 1, 4);
        try (TorchScriptImageEncoder enc = TorchScriptImageEncoder.load(file, spec)) {
            assertThat(enc.dimension()).isEqualTo(D);
            assertThat(enc.fingerprint().kind()).isEqualTo("torchscript-image");
            float[][] got = enc.encode(images);
            ImagePreprocessor pre = new ImagePreprocessor(spec);
            for (int i = 0; i < images.size(); i++) {
                float[] x = pre.toTensor(images.get(i));
                float[] expected = new float[D];
                for (int o = 0; o < D; o++) {
                    double s = b[o];
                    for (int j = 0; j < in; j++) {
                        s += w[o * in + j] * x[j];
                    }
                    expected[o] = (float) s;
                }
                assertThat(got[i]).containsExactly(Vectors.normaliseInPlace(expected), within(1e-4f));
            }
        }
        try (ImageEncoder viaProvider = Providers.create(ImageEncoderProvider.class, "torchscript-image",
                Map.of("path", file.toString(), "width", "6", "height", "4", "channels", "3", "mean", "0.5,0.5,0.5",
                        "std", "0.5,0.5,0.5"))) {
            try (TorchScriptImageEncoder direct = TorchScriptImageEncoder.load(file, spec)) {
                assertThat(viaProvider.fingerprint()).isEqualTo(direct.fingerprint());
            }
        }
        Files.write(dir.resolve("junk.pt"), new byte[] {1, 2, 3});
        assertThatThrownBy(() -> TorchScriptImageEncoder.load(dir.resolve("junk.pt"), spec)).hasMessageContaining("junk.pt");
    }

    @Test
    void textEncoderMeanPoolsTokenEmbeddings(@TempDir Path dir) throws Exception {
        Path tokenizerFile = dir.resolve("tokenizer.json");
        try (InputStream in = TorchScriptEncoderTest.class.getResourceAsStream("/all-minilm-l6-v2-q-tokenizer.json")) {
            Files.write(tokenizerFile, in.readAllBytes());
        }
        int vocab = 30522;
        float[] table = RandomArrays.gaussian(vocab * D, 3);
        Path file = dir.resolve("embedding.pt");
        new TorchScriptArchiveWriter("TokenEmbedding").parameter("weight", table, vocab, D).write(file, """
                  def forward(self: __torch__.TokenEmbedding,
                    input_ids: Tensor,
                    attention_mask: Tensor) -> Tensor:
                    return torch.embedding(self.weight, input_ids)
                """);
        List<String> texts = List.of("breast cancer", "a much longer text about diabetic retinopathy grade four");
        try (TextEncoder enc = Providers.create(TextEncoderProvider.class, "torchscript-text",
                Map.of("path", file.toString(), "tokenizer", tokenizerFile.toString()));
                HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.newInstance(tokenizerFile)) {
            assertThat(enc.dimension()).isEqualTo(D);
            assertThat(enc.fingerprint().kind()).isEqualTo("torchscript-text");
            float[][] got = enc.encode(texts);
            for (int i = 0; i < texts.size(); i++) {
                Encoding e = tokenizer.encode(texts.get(i));
                float[] expected = new float[D];
                long[] ids = e.getIds();
                for (long id : ids) {
                    for (int j = 0; j < D; j++) {
                        expected[j] += table[(int) id * D + j] / ids.length;
                    }
                }
                assertThat(got[i]).containsExactly(Vectors.normaliseInPlace(expected), within(1e-4f));
            }
        }
    }

    @Test
    void providersAreRegistered() {
        assertThat(Providers.names(ImageEncoderProvider.class)).contains("conv-tower", "torchscript-image");
        assertThat(Providers.names(TextEncoderProvider.class)).contains("minilm-l6-v2-q", "torchscript-text");
        assertThat(Providers.find(TextEncoderProvider.class, "minilm-l6-v2-q")).isInstanceOf(MiniLmTextEncoderProvider.class);
        assertThatThrownBy(() -> Providers.create(ImageEncoderProvider.class, "conv-tower", Map.of()))
                .hasMessageContaining("\"path\"");
        assertThatThrownBy(() -> Providers.create(ImageEncoderProvider.class, "torchscript-image", Map.of("path", "/nonexistent.pt")))
                .hasMessageContaining("/nonexistent.pt");
    }

    @Test
    void convTowerProviderLoadsASavedTower(@TempDir Path dir) {
        ImageTowerConfig config = ImageTowerConfig.builder().setInputSpec(ImageInputSpec.centered(8, 8, 1))
                .optChannelWidths(4).optConvolutionsPerStage(1).optEmbeddingDimension(6).build();
        Path file = dir.resolve("tower.bin");
        try (ImageTower tower = ImageTower.create(config, 1)) {
            tower.save(file);
            try (ImageEncoder enc = Providers.create(ImageEncoderProvider.class, "conv-tower", Map.of("path", file.toString()))) {
                assertThat(enc.fingerprint()).isEqualTo(tower.fingerprint());
                assertThat(enc.dimension()).isEqualTo(6);
            }
        }
    }
}
