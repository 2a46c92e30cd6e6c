package io.jomed.reader.classifier;

import io.jomed.api.encoding.TextEncoder;
import io.jomed.api.reading.Reader;
import io.jomed.api.spi.ProviderConfig;
import io.jomed.api.spi.Providers;
import io.jomed.api.spi.ReaderProvider;
import io.jomed.api.spi.TextEncoderProvider;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The {@code classifier} reader provider: loads a saved {@link ClassifierReaderModel} and the text encoder
 * it was made for. Settings: {@code path} (required, the saved model), {@code text-encoder} (a
 * {@link TextEncoderProvider} name; default the kind recorded in the model), {@code text-encoder.*}
 * (settings handed to that provider without the prefix), {@code max-batch} (default 256).
 * The reader it makes owns and closes the model and the text encoder.
 *
 * <p>Stateless and thread-safe.
 */
public final class ClassifierReaderProvider implements ReaderProvider {
    @Override
    public String name() {
        return "classifier";
    }

    @Override
    public String description() {
        return "built-in vision-language classifier reader; settings: path, text-encoder, text-encoder.*, max-batch";
    }

    @Override
    public Reader create(ProviderConfig config) {
        ClassifierReaderModel model = ClassifierReaderModel.load(config.requirePath("path"));
        TextEncoder encoder = null;
        try {
            String name = config.optString("text-encoder").orElse(model.config().textEncoder().kind());
            encoder = Providers.create(TextEncoderProvider.class, name, prefixed(config.values(), "text-encoder."));
            return ClassifierReader.builder().setModel(model).setTextEncoder(encoder)
                    .optMaxBatch(config.optInt("max-batch", 256)).build(List.of(model, encoder));
        } catch (RuntimeException e) {
            if (encoder != null) {
                encoder.close();
            }
            model.close();
            throw e;
        }
    }

    /** The settings that start with {@code prefix}, with the prefix removed. */
    static Map<String, String> prefixed(Map<String, String> values, String prefix) {
        Map<String, String> out = new TreeMap<>();
        values.forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                out.put(k.substring(prefix.length()), v);
            }
        });
        return out;
    }
}
