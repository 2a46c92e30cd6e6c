package io.jomed.retriever.encoding;

import io.jomed.api.encoding.ImageEncoder;
import io.jomed.api.spi.ImageEncoderProvider;
import io.jomed.api.spi.ProviderConfig;
import io.jomed.retriever.image.ImageInputSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Provides a {@link TorchScriptImageEncoder} under the name {@code torchscript-image}. Settings: {@code path}
 * (the TorchScript file), {@code width}, {@code height}, {@code channels} (1 or 3, default 3) and optionally
 * {@code mean} and {@code std} (comma-separated, one value per channel; default 0 and 1, inputs in [0, 1]).
 *
 * <p>Stateless and thread-safe.
 */
public final class TorchScriptImageEncoderProvider implements ImageEncoderProvider {
    @Override
    public String name() {
        return TorchScriptImageEncoder.KIND;
    }

    @Override
    public String description() {
        return "TorchScript image backbone; settings path, width, height, channels, optional mean and std";
    }

    @Override
    public ImageEncoder create(ProviderConfig config) {
        Path path = config.requirePath("path");
        if (!Files.isRegularFile(path)) {
            throw new IllegalArgumentException("provider " + name() + ": setting \"path\" names no file: " + path);
        }
        int width = config.optInt("width", -1);
        int height = config.optInt("height", -1);
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("provider " + name() + " needs positive settings \"width\" and \"height\"; given: "
                    + config.values().keySet());
        }
        int channels = config.optInt("channels", 3);
        float[] mean = floats(config, "mean", channels, 0f);
        float[] std = floats(config, "std", channels, 1f);
        return TorchScriptImageEncoder.load(path, new ImageInputSpec(width, height, channels, mean, std));
    }

    private float[] floats(ProviderConfig config, String key, int channels, float fallback) {
        float[] out = new float[channels];
        Arrays.fill(out, fallback);
        String v = config.optString(key).orElse(null);
        if (v == null) {
            return out;
        }
        String[] parts = v.split(",");
        if (parts.length != channels) {
            throw new IllegalArgumentException("provider " + name() + ": setting \"" + key + "\" needs " + channels
                    + " comma-separated values, got \"" + v + "\"");
        }
        try {
            for (int i = 0; i < channels; i++) {
                out[i] = Float.parseFloat(parts[i].trim());
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("provider " + name() + ": setting \"" + key + "\" is not a list of numbers: \"" + v + "\"", e);
        }
        return out;
    }
}
