package io.jomed.api.spi;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceLoader;
import java.util.TreeMap;

/**
 * Looks providers up by name through {@link ServiceLoader}.
 *
 * <pre>{@code
 * TextEncoder g0 = Providers.create(TextEncoderProvider.class, "minilm-l6-v2-q", Map.of());
 * }</pre>
 *
 * <p>Stateless and thread-safe; each call scans the class path of the context class loader.
 */
public final class Providers {
    private Providers() {
    }

    /** All providers of a kind, by name. */
    public static <P extends NamedProvider<?>> Map<String, P> available(Class<P> kind) {
        Objects.requireNonNull(kind, "kind");
        Map<String, P> byName = new TreeMap<>();
        for (P p : ServiceLoader.load(kind)) {
            P previous = byName.putIfAbsent(p.name(), p);
            if (previous != null && previous.getClass() != p.getClass()) {
                throw new IllegalStateException("two " + kind.getSimpleName() + "s are named \"" + p.name() + "\": "
                        + previous.getClass().getName() + " and " + p.getClass().getName());
            }
        }
        return byName;
    }

    /**
     * The provider of a kind with this name.
     *
     * @throws IllegalArgumentException listing the available names if there is none
     */
    public static <P extends NamedProvider<?>> P find(Class<P> kind, String name) {
        Objects.requireNonNull(name, "name");
        Map<String, P> all = available(kind);
        P p = all.get(name);
        if (p == null) {
            throw new IllegalArgumentException("no " + kind.getSimpleName() + " named \"" + name + "\"; available: "
                    + new ArrayList<>(all.keySet()) + " (is its jar on the class path, with a META-INF/services entry?)");
        }
        return p;
    }

    /** Finds the provider and makes the part from string settings. */
    public static <T, P extends NamedProvider<T>> T create(Class<P> kind, String name, Map<String, String> settings) {
        return find(kind, name).create(ProviderConfig.of(name, settings));
    }

    /** Names of all providers of a kind. */
    public static List<String> names(Class<? extends NamedProvider<?>> kind) {
        return new ArrayList<>(available(kind).keySet());
    }
}
