package io.jomed.reader.torchscript;

import io.jomed.api.encoding.TextEncoder;
import io.jomed.api.reading.LabelSpace;
import io.jomed.api.reading.Reader;
import io.jomed.api.spi.ProviderConfig;
import io.jomed.api.spi.Providers;
import io.jomed.api.spi.ReaderProvider;
import io.jomed.api.spi.TextEncoderProvider;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The {@code torchscript} reader provider. Settings: {@code path} (TorchScript file), {@code labels}
 * (comma-separated, in logit order), {@code width}, {@code height}, {@code channels}, optional
 * {@code task} (label space name, default {@code torchscript}), {@code question} (default question),
 * {@code text-encoder} (a {@link TextEncoderProvider} name, default {@code minilm-l6-v2-q}),
 * {@code text-encoder.*} (settings for it, prefix removed) and {@code max-batch} (default 256). The reader
 * it makes owns and closes the text encoder.
 *
 * <p>Stateless and thread-safe.
 */
public final class TorchScriptReaderProvider implements ReaderProvider {
    @Override
    public String name() {
        return "torchscript";
    }

    @Override
    public String description() {
        return "a TorchScript export taking the built-in reader's inputs and returning label logits; settings: path, labels, "
                + "width, height, channels, task, question, text-encoder, text-encoder.*, max-batch";
    }

    @Override
    public Reader create(ProviderConfig config) {
        LabelSpace.Builder labels = LabelSpace.builder().setName(config.optString("task").orElse("torchscript"));
        for (String label : config.requireString("labels").split(",")) {
            labels.addLabel(label.trim());
        }
        LabelSpace space;
        try {
            space = labels.build();
        } catch (IllegalStateException e) {
            throw new IllegalArgumentException("provider torchscript: setting \"labels\": " + e.getMessage(), e);
        }
        int width = positive(config, "width");
        int height = positive(config, "height");
        int channels = positive(config, "channels");
        String encoderName = config.optString("text-encoder").orElse("minilm-l6-v2-q");
        Map<String, String> encoderSettings = new TreeMap<>();
        config.values().forEach((k, v) -> {
            if (k.startsWith("text-encoder.")) {
                encoderSettings.put(k.substring("text-encoder.".length()), v);
            }
        });
        TextEncoder encoder = Providers.create(TextEncoderProvider.class, encoderName, encoderSettings);
        try {
            TorchScriptReader.Builder b = TorchScriptReader.builder().setModelPath(config.requirePath("path"))
                    .setLabelSpace(space).setImageSize(width, height).setChannels(channels).setTextEncoder(encoder)
                    .optMaxBatch(config.optInt("max-batch", 256));
            config.optString("question").ifPresent(b::optDefaultQuestion);
            return b.build(List.of(encoder));
        } catch (RuntimeException e) {
            encoder.close();
            throw e;
        }
    }

    private static int positive(ProviderConfig config, String key) {
        config.requireString(key);
        int v = config.optInt(key, 0);
        if (v < 1) {
            throw new IllegalArgumentException("provider torchscript: setting \"" + key + "\" must be positive, got " + v);
        }
        return v;
    }
}
