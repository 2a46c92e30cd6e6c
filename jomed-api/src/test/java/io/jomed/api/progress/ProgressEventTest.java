package io.jomed.api.progress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ProgressEventTest {
    @Test
    void estimatesTheRemainingTimeLinearly() {
        ProgressEvent e = ProgressEvent.of("ingest", "encode", 25, 100, Duration.ofSeconds(10));
        assertThat(e.fraction()).hasValue(0.25);
        assertThat(e.remaining()).hasValue(Duration.ofSeconds(30));
        assertThat(ProgressEvent.of("ingest", "encode", 0, 0, Duration.ZERO).remaining()).isEmpty();
    }

    @Test
    void aCancellingListenerStopsTheJob() {
        ProgressListener cancel = new ProgressListener() {
            @Override
            public void onProgress(ProgressEvent event) {
            }

            @Override
            public boolean isCancelled() {
                return true;
            }
        };
        assertThatThrownBy(() -> cancel.checkCancelled("ingest")).isInstanceOf(JobCancelledException.class)
                .hasMessageContaining("ingest");
        ProgressListener.NONE.checkCancelled("ingest");
    }
}
