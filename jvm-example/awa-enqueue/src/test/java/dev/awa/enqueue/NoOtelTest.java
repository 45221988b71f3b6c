package dev.awa.enqueue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Run by the surefire execution {@code no-otel}, whose classpath has no io.opentelemetry jar. */
class NoOtelTest {
    static final String EXPLICIT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    @Test
    void worksWithoutOpenTelemetry() {
        assertThrows(ClassNotFoundException.class, () -> Class.forName("io.opentelemetry.api.GlobalOpenTelemetry"));
        assertThrows(ClassNotFoundException.class, () -> Class.forName("io.opentelemetry.context.Context"));
        assertFalse(AwaEnqueue.otelAvailable());
        for (AwaEnqueue.Builder b : List.of(AwaEnqueue.builder(), AwaEnqueue.builder().traceContext(true))) {
            try (AwaEnqueue awa = b.build()) {
                assertFalse(awa.tracesContext());
                assertEquals("{}", awa.prepare(Job.of("k", "{}")).metadataJson());
                assertEquals("{\"awa:traceparent\":\"" + EXPLICIT + "\"}",
                        awa.prepare(Job.builder("k").traceparent(EXPLICIT).build()).metadataJson());
                assertEquals(2, awa.prepareMany(List.of(Job.of("a", "{}"), Job.of("b", "{}"))).size());
            }
        }
    }
}
