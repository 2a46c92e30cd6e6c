package io.jomed.training.dataset.medmnist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.jomed.api.progress.JobCancelledException;
import io.jomed.api.progress.ProgressEvent;
import io.jomed.api.progress.ProgressListener;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MedMnistLocatorTest {

    private static final String NAME = "tinymnist";

    @TempDir
    Path dir;

    private HttpServer server;
    private final AtomicInteger hits = new AtomicInteger();
    private byte[] npz;
    private String md5;
    private URI baseUrl;
    private Path cache;

    @BeforeEach
    void startServer() throws IOException, NoSuchAlgorithmException {
        npz = Files.readAllBytes(MedMnistFixtures.write(dir.resolve("source.npz"), MedMnistFixtures.arrays(1, false, 2)));
        md5 = HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(npz));
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/files/", exchange -> {
            hits.incrementAndGet();
            String path = exchange.getRequestURI().getPath();
            String query = exchange.getRequestURI().getQuery();
            if (path.equals("/files/" + NAME + ".npz") && "download=1".equals(query)) {
                exchange.sendResponseHeaders(200, npz.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(npz);
                }
            } else {
                exchange.sendResponseHeaders(404, -1);
                exchange.close();
            }
        });
        server.start();
        baseUrl = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/files/");
        cache = dir.resolve("cache");
    }

    @AfterEach
    void stopServer() {
        server.stop(0);
    }

    private MedMnistLocator.Builder locator() {
        return MedMnistLocator.builder().optEnvironment(Map.of()).optCacheDir(cache).optBaseUrl(baseUrl);
    }

    private List<Path> cacheContent() throws IOException {
        if (!Files.exists(cache)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(cache)) {
            return s.toList();
        }
    }

    @Test
    void verifiedDownloadIsCachedAndNotFetchedAgain() throws IOException {
        List<ProgressEvent> events = new CopyOnWriteArrayList<>();
        MedMnistLocator locator = locator().optChecksum(NAME, md5).build();
        Path file = locator.locate(NAME, events::add);
        assertThat(file).isEqualTo(cache.resolve(NAME + ".npz"));
        assertThat(Files.readAllBytes(file)).isEqualTo(npz);
        assertThat(cacheContent()).containsExactly(file);
        assertThat(hits).hasValue(1);
        assertThat(events).isNotEmpty().allSatisfy(e -> {
            assertThat(e.job()).isEqualTo("download");
            assertThat(e.stage()).isEqualTo(NAME);
        });
        assertThat(events.getLast().completed()).isEqualTo(npz.length);
        assertThat(events.getLast().total()).isEqualTo(npz.length);

        assertThat(locator.locate(NAME)).isEqualTo(file);
        assertThat(locator().optChecksum(NAME, md5).build().locate(NAME)).isEqualTo(file);
        assertThat(hits).as("second and third call use the cache").hasValue(1);
        assertThat(MedMnistDataset.load(file).size(MedMnistSplit.TRAIN)).isEqualTo(MedMnistFixtures.SIZES[0]);
    }

    @Test
    void checksumMismatchFailsAndLeavesNothingInTheCache() throws IOException {
        String wrong = "0123456789abcdef0123456789abcdef";
        MedMnistLocator locator = locator().optChecksum(NAME, wrong).build();
        assertThatThrownBy(() -> locator.locate(NAME)).isInstanceOf(MedMnistDownloadException.class)
                .hasMessageContaining("MD5 " + md5).hasMessageContaining("expected " + wrong)
                .hasMessageContaining(NAME);
        assertThat(cacheContent()).isEmpty();
        assertThat(hits).hasValue(1);
    }

    @Test
    void officialChecksumIsUsedByDefault() throws IOException {
        server.removeContext("/files/");
        server.createContext("/files/", exchange -> {
            hits.incrementAndGet();
            exchange.sendResponseHeaders(200, npz.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(npz);
            }
        });
        // a synthetic file served as breastmnist cannot match the official MD5
        assertThatThrownBy(() -> locator().build().locate("breastmnist")).isInstanceOf(MedMnistDownloadException.class)
                .hasMessageContaining("expected 750601b1f35ba3300ea97c75c52ff8f6");
        assertThat(cacheContent()).isEmpty();
    }

    @Test
    void notFoundOnTheServerIsAClearError() throws IOException {
        MedMnistLocator locator = locator().optChecksum("absentmnist", md5).build();
        assertThatThrownBy(() -> locator.locate("absentmnist")).isInstanceOf(MedMnistDownloadException.class)
                .hasMessageContaining("HTTP 404").hasMessageContaining("absentmnist.npz")
                .hasMessageContaining("JOMED_DATA_DIR");
        assertThat(cacheContent()).isEmpty();
    }

    @Test
    void unreachableServerAsksForJomedDataDir() throws IOException {
        server.stop(0);
        MedMnistLocator locator = locator().optChecksum(NAME, md5).build();
        assertThatThrownBy(() -> locator.locate(NAME)).isInstanceOf(MedMnistDownloadException.class)
                .hasMessageContaining("cannot be reached").hasMessageContaining("JOMED_DATA_DIR")
                .hasMessageContaining(NAME + "/" + NAME + ".npz");
        assertThat(cacheContent()).isEmpty();
    }

    @Test
    void cancelledDownloadLeavesNothingInTheCache() throws IOException {
        ProgressListener cancelling = new ProgressListener() {
            @Override
            public void onProgress(ProgressEvent event) {
            }

            @Override
            public boolean isCancelled() {
                return true;
            }
        };
        MedMnistLocator locator = locator().optChecksum(NAME, md5).build();
        assertThatThrownBy(() -> locator.locate(NAME, cancelling)).isInstanceOf(JobCancelledException.class);
        assertThat(cacheContent()).isEmpty();
    }

    @Test
    void localCopiesWinOverTheCacheAndTheServer() throws IOException {
        Path envDir = dir.resolve("env");
        Path nested = Files.createDirectories(envDir.resolve(NAME)).resolve(NAME + ".npz");
        Files.write(nested, npz);
        Path explicitDir = Files.createDirectories(dir.resolve("explicit"));
        Path flat = Files.write(explicitDir.resolve(NAME + ".npz"), npz);

        MedMnistLocator fromEnv = locator().optEnvironment(Map.of("JOMED_DATA_DIR", envDir.toString())).build();
        assertThat(fromEnv.locate(NAME)).isEqualTo(nested);
        MedMnistLocator explicitFirst = locator().optDataDir(explicitDir)
                .optEnvironment(Map.of("JOMED_DATA_DIR", envDir.toString())).build();
        assertThat(explicitFirst.locate(NAME)).isEqualTo(flat);
        assertThat(hits).hasValue(0);
        assertThat(cacheContent()).isEmpty();
    }

    @Test
    void missingFileWithoutDownloadOrChecksumIsAClearError() {
        assertThatThrownBy(() -> locator().optDownloadEnabled(false).build().locate(NAME))
                .isInstanceOf(MedMnistDownloadException.class).hasMessageContaining("downloading is disabled")
                .hasMessageContaining("JOMED_DATA_DIR");
        assertThatThrownBy(() -> locator().build().locate(NAME)).isInstanceOf(MedMnistDownloadException.class)
                .hasMessageContaining("no official MD5");
        assertThat(hits).hasValue(0);
    }

    @Test
    void builderAndNamesAreValidated() {
        assertThatThrownBy(() -> MedMnistLocator.builder().optBaseUrl(URI.create("ftp://x/")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("http or https");
        assertThatThrownBy(() -> MedMnistLocator.builder().optBaseUrl(URI.create("https://x/files")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("end with '/'");
        assertThatThrownBy(() -> MedMnistLocator.builder().optChecksum(NAME, "abc"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("32 hex digits");
        assertThatThrownBy(() -> locator().build().locate("../etc"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("dataset name");
        assertThat(MedMnistLocator.officialMd5("retinamnist")).contains("bd4c0672f1bba3e3a89f0e4e876791e4");
        assertThat(MedMnistLocator.DEFAULT_BASE_URL).isEqualTo("https://zenodo.org/records/10519652/files/");
    }
}
