package io.jomed.training.dataset.medmnist;

import io.jomed.api.progress.ProgressEvent;
import io.jomed.api.progress.ProgressListener;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the {@code <name>.npz} file of a MedMNIST dataset, downloading it once when no local copy exists.
 *
 * <p>{@link #locate(String, ProgressListener)} looks, in order, in
 * <ol>
 *   <li>the {@linkplain Builder#optDataDir explicit data directory}, then the directory named by the
 *       environment variable {@value #ENV_DATA_DIR}: {@code <dir>/<name>/<name>.npz} (the layout of
 *       {@code shared/data}) or {@code <dir>/<name>.npz};</li>
 *   <li>the cache directory ({@code ~/.cache/jomed/medmnist} unless {@linkplain Builder#optCacheDir set}):
 *       {@code <cache>/<name>.npz};</li>
 *   <li>otherwise it downloads {@code <base URL><name>.npz?download=1} (MedMNIST's Zenodo record
 *       {@value #DEFAULT_BASE_URL} unless {@linkplain Builder#optBaseUrl set}) to a temporary file in the
 *       cache directory, checks its MD5 against the official checksum of {@code medmnist/info.py}, and only
 *       then moves it atomically into place. A wrong checksum deletes the download and fails; an unreachable
 *       server fails with a message asking to set {@value #ENV_DATA_DIR}.</li>
 * </ol>
 * Progress of a download is reported as job {@code download}, stage {@code <name>}, in bytes.
 *
 * <p>Instances are immutable and thread-safe; concurrent {@code locate} calls on one instance download a file
 * at most once, and separate processes never see a partial file in the cache.
 */
public final class MedMnistLocator {

    /** Environment variable naming a directory that holds {@code <name>/<name>.npz}. */
    public static final String ENV_DATA_DIR = "JOMED_DATA_DIR";
    /** The MedMNIST v2 files (28 px) as published with MedMNIST 3.0 on Zenodo. */
    public static final String DEFAULT_BASE_URL = "https://zenodo.org/records/10519652/files/";

    private static final Logger LOG = LoggerFactory.getLogger(MedMnistLocator.class);
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_]{0,63}");
    private static final long PROGRESS_EVERY_BYTES = 1 << 20;

    /** Official MD5 of the 28 px 2D files, from {@code medmnist/info.py} v3.0.2 (Zenodo record 10519652). */
    private static final Map<String, String> OFFICIAL_MD5 = Map.ofEntries(
            Map.entry("pathmnist", "a8b06965200029087d5bd730944a56c1"),
            Map.entry("chestmnist", "02c8a6516a18b556561a56cbdd36c4a8"),
            Map.entry("dermamnist", "0744692d530f8e62ec473284d019b0c7"),
            Map.entry("octmnist", "c68d92d5b585d8d81f7112f81e2d0842"),
            Map.entry("pneumoniamnist", "28209eda62fecd6e6a2d98b1501bb15f"),
            Map.entry("retinamnist", "bd4c0672f1bba3e3a89f0e4e876791e4"),
            Map.entry("breastmnist", "750601b1f35ba3300ea97c75c52ff8f6"),
            Map.entry("bloodmnist", "7053d0359d879ad8a5505303e11de1dc"),
            Map.entry("tissuemnist", "ebe78ee8b05294063de985d821c1c34b"),
            Map.entry("organamnist", "68e3f8846a6bd62f0c9bf841c0d9eacc"),
            Map.entry("organcmnist", "b9ceb9546e10131b32923c5bbeaea2b1"),
            Map.entry("organsmnist", "9ab87b696fb54e2a387ebe992d6ed5f1"));

    private final Path dataDir;
    private final Map<String, String> environment;
    private final Path cacheDir;
    private final URI baseUrl;
    private final Map<String, String> checksums;
    /** A caller's client (not closed here), or null to create and close one per download. */
    private final HttpClient httpClient;
    private final Duration connectTimeout;
    private final Duration requestTimeout;
    private final boolean downloadEnabled;
    private final Object downloadLock = new Object();

    private MedMnistLocator(Builder b) {
        this.dataDir = b.dataDir;
        this.environment = b.environment;
        this.cacheDir = b.cacheDir;
        this.baseUrl = b.baseUrl;
        this.checksums = Map.copyOf(b.checksums);
        this.httpClient = b.httpClient;
        this.connectTimeout = b.connectTimeout;
        this.requestTimeout = b.requestTimeout;
        this.downloadEnabled = b.downloadEnabled;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** {@code ~/.cache/jomed/medmnist}. */
    public static Path defaultCacheDir() {
        return Path.of(System.getProperty("user.home"), ".cache", "jomed", "medmnist");
    }

    /** The official MD5 (lower-case hex) of a MedMNIST v2 2D 28 px file, from {@code medmnist/info.py}. */
    public static Optional<String> officialMd5(String name) {
        return Optional.ofNullable(OFFICIAL_MD5.get(Objects.requireNonNull(name, "name")));
    }

    /** {@link #locate(String, ProgressListener)} without progress reports. */
    public Path locate(String name) throws IOException {
        return locate(name, ProgressListener.NONE);
    }

    /**
     * The path of {@code <name>.npz}, downloaded and verified first if no local copy exists.
     *
     * @param name a dataset name such as {@code breastmnist} (lower case letters, digits, {@code _})
     * @throws MedMnistDownloadException if the file is nowhere local and cannot be downloaded (download
     *     disabled, no checksum known, server unreachable, HTTP error, checksum mismatch)
     * @throws io.jomed.api.progress.JobCancelledException if the listener cancels the download; nothing is
     *     left in the cache
     */
    public Path locate(String name, ProgressListener listener) throws IOException {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(listener, "listener");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("dataset name must be 1 to 64 lower-case letters, digits or '_', got \""
                    + name + "\"");
        }
        List<Path> searched = new ArrayList<>();
        Optional<Path> local = findLocal(name, searched);
        if (local.isPresent()) {
            return local.get();
        }
        Path cached = cacheDir.resolve(name + ".npz");
        synchronized (downloadLock) {
            if (Files.isRegularFile(cached)) {
                return cached;
            }
            searched.add(cached);
            if (!downloadEnabled) {
                throw new MedMnistDownloadException(name + ".npz not found (looked at " + searched + ") and downloading"
                        + " is disabled; set " + ENV_DATA_DIR + " to a directory holding " + name + "/" + name + ".npz");
            }
            String md5 = Optional.ofNullable(checksums.get(name)).or(() -> officialMd5(name))
                    .orElseThrow(() -> new MedMnistDownloadException(name + ".npz not found (looked at " + searched
                            + ") and no official MD5 is known for \"" + name + "\", so it cannot be downloaded safely;"
                            + " set " + ENV_DATA_DIR + " to a directory holding " + name + "/" + name + ".npz"));
            download(name, md5, cached, listener);
            return cached;
        }
    }

    private Optional<Path> findLocal(String name, List<Path> searched) {
        List<Path> roots = new ArrayList<>();
        if (dataDir != null) {
            roots.add(dataDir);
        }
        String env = environment.get(ENV_DATA_DIR);
        if (env != null && !env.isBlank()) {
            roots.add(Path.of(env.strip()));
        }
        for (Path root : roots) {
            for (Path candidate : List.of(root.resolve(name).resolve(name + ".npz"), root.resolve(name + ".npz"))) {
                searched.add(candidate);
                if (Files.isRegularFile(candidate)) {
                    return Optional.of(candidate);
                }
            }
        }
        return Optional.empty();
    }

    private void download(String name, String expectedMd5, Path target, ProgressListener listener) throws IOException {
        URI url = baseUrl.resolve(name + ".npz?download=1");
        Files.createDirectories(cacheDir);
        Path temp = Files.createTempFile(cacheDir, "." + name + "-", ".npz.part");
        long start = System.nanoTime();
        LOG.info("downloading {} from {} into {}", name, url, cacheDir);
        HttpClient ownClient = httpClient != null ? null
                : HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).connectTimeout(connectTimeout).build();
        try {
            HttpRequest request = HttpRequest.newBuilder(url).timeout(requestTimeout).GET().build();
            HttpResponse<InputStream> response;
            try {
                response = (ownClient != null ? ownClient : httpClient).send(request, HttpResponse.BodyHandlers.ofInputStream());
            } catch (ConnectException | HttpTimeoutException e) {
                throw unreachable(name, url, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("download of " + url + " was interrupted");
            } catch (IOException e) {
                throw unreachable(name, url, e);
            }
            String actualMd5;
            try (InputStream body = response.body()) {
                if (response.statusCode() != 200) {
                    throw new MedMnistDownloadException("cannot download " + name + ": HTTP " + response.statusCode()
                            + " from " + url + "; set " + ENV_DATA_DIR + " to a directory holding " + name + "/" + name
                            + ".npz, or check the base URL");
                }
                long total = response.headers().firstValueAsLong("Content-Length").orElse(0);
                actualMd5 = copyWithDigest(body, temp, name, total, start, listener);
            }
            if (!actualMd5.equalsIgnoreCase(expectedMd5)) {
                throw new MedMnistDownloadException("download of " + name + " from " + url + " is corrupt or not the"
                        + " official file: MD5 " + actualMd5 + ", expected " + expectedMd5 + "; nothing was cached");
            }
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            LOG.info("downloaded {} ({} bytes, MD5 verified) to {}", name, Files.size(target), target);
        } finally {
            Files.deleteIfExists(temp);
            if (ownClient != null) {
                ownClient.close();
            }
        }
    }

    private static String copyWithDigest(InputStream body, Path temp, String name, long total, long start,
            ProgressListener listener) throws IOException {
        MessageDigest md5;
        try {
            md5 = MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 is required of every JVM", e);
        }
        byte[] buffer = new byte[64 * 1024];
        long done = 0;
        long nextReport = PROGRESS_EVERY_BYTES;
        listener.onProgress(ProgressEvent.of("download", name, 0, total, elapsed(start)));
        try (OutputStream out = Files.newOutputStream(temp)) {
            int n;
            while ((n = body.read(buffer)) != -1) {
                listener.checkCancelled("download of " + name);
                out.write(buffer, 0, n);
                md5.update(buffer, 0, n);
                done += n;
                if (done >= nextReport) {
                    listener.onProgress(ProgressEvent.of("download", name, done, Math.max(total, done), elapsed(start)));
                    nextReport = done + PROGRESS_EVERY_BYTES;
                }
            }
        }
        listener.onProgress(ProgressEvent.of("download", name, done, Math.max(total, done), elapsed(start)));
        return HexFormat.of().formatHex(md5.digest());
    }

    private static Duration elapsed(long start) {
        return Duration.ofNanos(System.nanoTime() - start);
    }

    private static MedMnistDownloadException unreachable(String name, URI url, IOException cause) {
        return new MedMnistDownloadException("cannot download " + name + ".npz: " + url.getHost() + " cannot be reached ("
                + cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage())
                + "). Without network access, copy the file elsewhere and set " + ENV_DATA_DIR
                + " to a directory holding " + name + "/" + name + ".npz", cause);
    }

    @Override
    public String toString() {
        return "MedMnistLocator[dataDir=" + dataDir + ", cache=" + cacheDir + ", baseUrl=" + baseUrl
                + ", download=" + downloadEnabled + "]";
    }

    /** Builder for {@link MedMnistLocator}; not thread-safe. Every setting is optional. */
    public static final class Builder {
        private Path dataDir;
        private Map<String, String> environment = System.getenv();
        private Path cacheDir = defaultCacheDir();
        private URI baseUrl = URI.create(DEFAULT_BASE_URL);
        private final Map<String, String> checksums = new LinkedHashMap<>();
        private HttpClient httpClient;
        private Duration connectTimeout = Duration.ofSeconds(20);
        private Duration requestTimeout = Duration.ofSeconds(60);
        private boolean downloadEnabled = true;

        private Builder() {
        }

        /** A directory searched before {@value MedMnistLocator#ENV_DATA_DIR} for {@code <name>/<name>.npz} or {@code <name>.npz}. */
        public Builder optDataDir(Path dataDir) {
            this.dataDir = Objects.requireNonNull(dataDir, "dataDir");
            return this;
        }

        /** The environment to read {@value MedMnistLocator#ENV_DATA_DIR} from; defaults to {@link System#getenv()}. */
        public Builder optEnvironment(Map<String, String> environment) {
            this.environment = Map.copyOf(Objects.requireNonNull(environment, "environment"));
            return this;
        }

        /** Where downloads are kept; defaults to {@link #defaultCacheDir()}. */
        public Builder optCacheDir(Path cacheDir) {
            this.cacheDir = Objects.requireNonNull(cacheDir, "cacheDir");
            return this;
        }

        /** The URL that {@code <name>.npz?download=1} is resolved against; must end with {@code /}. */
        public Builder optBaseUrl(URI baseUrl) {
            Objects.requireNonNull(baseUrl, "baseUrl");
            String scheme = baseUrl.getScheme() == null ? "" : baseUrl.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https")) {
                throw new IllegalArgumentException("base URL must be http or https, got " + baseUrl);
            }
            if (!baseUrl.getPath().endsWith("/")) {
                throw new IllegalArgumentException("base URL must end with '/', got " + baseUrl);
            }
            this.baseUrl = baseUrl;
            return this;
        }

        /**
         * The expected MD5 of a file that has no official checksum or a different one (a MedMNIST+ file such as
         * {@code breastmnist_224}, a mirror); overrides the official value for that name.
         */
        public Builder optChecksum(String name, String md5) {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(md5, "md5");
            if (!md5.matches("[0-9a-fA-F]{32}")) {
                throw new IllegalArgumentException("MD5 of " + name + " must be 32 hex digits, got \"" + md5 + "\"");
            }
            checksums.put(name, md5.toLowerCase(Locale.ROOT));
            return this;
        }

        /**
         * The client used for downloads, owned and closed by the caller; by default each download creates (and
         * closes) a client that follows redirects and uses the connect timeout.
         */
        public Builder optHttpClient(HttpClient httpClient) {
            this.httpClient = Objects.requireNonNull(httpClient, "httpClient");
            return this;
        }

        /** Time allowed to connect to the server (default 20 s); ignored when a client is given. */
        public Builder optConnectTimeout(Duration timeout) {
            this.connectTimeout = positive(timeout, "connect timeout");
            return this;
        }

        /** Time allowed until the response headers arrive (default 60 s). */
        public Builder optRequestTimeout(Duration timeout) {
            this.requestTimeout = positive(timeout, "request timeout");
            return this;
        }

        /** Whether a missing file may be downloaded (default true); when false a missing file is an error. */
        public Builder optDownloadEnabled(boolean enabled) {
            this.downloadEnabled = enabled;
            return this;
        }

        public MedMnistLocator build() {
            return new MedMnistLocator(this);
        }

        private static Duration positive(Duration d, String what) {
            Objects.requireNonNull(d, what);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(what + " must be positive, got " + d);
            }
            return d;
        }
    }
}
