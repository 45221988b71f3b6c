package dev.awa.enqueue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanProcessor;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The opt-in trace context: OpenTelemetry SDK with the W3C propagator, a span made current. */
class TraceContextTest {
    static final String EXPLICIT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    static OpenTelemetrySdk sdk;
    static AwaEnqueue traced;
    static AwaEnqueue plain;

    @BeforeAll
    static void setUp() {
        GlobalOpenTelemetry.resetForTest();
        // the SDK makes real spans only when a span processor is registered
        SpanProcessor keep = new SpanProcessor() {
            @Override
            public void onStart(Context parent, ReadWriteSpan span) {}

            @Override
            public boolean isStartRequired() {
                return false;
            }

            @Override
            public void onEnd(ReadableSpan span) {}

            @Override
            public boolean isEndRequired() {
                return false;
            }
        };
        sdk = OpenTelemetrySdk.builder().setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(keep).build())
                .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance())).buildAndRegisterGlobal();
        traced = AwaEnqueue.builder().traceContext(true).build();
        plain = AwaEnqueue.create();
    }

    @AfterAll
    static void tearDown() {
        traced.close();
        plain.close();
        sdk.close();
        GlobalOpenTelemetry.resetForTest();
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> metadata(String json) {
        return (Map<String, Object>) Json.parse(json);
    }

    /** Runs {@code f} inside a current span; returns the span's traceparent and f's result. */
    static <T> Map.Entry<String, T> inSpan(Supplier<T> f) {
        Span span = sdk.getTracer("awa-enqueue-test").spanBuilder("enqueue").startSpan();
        Scope scope = span.makeCurrent();
        try {
            var sc = span.getSpanContext();
            assertTrue(sc.isValid());
            String tp = "00-" + sc.getTraceId() + "-" + sc.getSpanId() + "-" + sc.getTraceFlags().asHex();
            return Map.entry(tp, f.get());
        } finally {
            scope.close();
            span.end();
        }
    }

    @Test
    void currentSpanGoesToMetadata() {
        assertTrue(traced.tracesContext());
        var r = inSpan(() -> traced.prepare(Job.builder("k").metadata(Map.of("source", "jvm")).build()));
        assertEquals(Map.of("source", "jvm", "awa:traceparent", r.getKey()), metadata(r.getValue().metadataJson()));

        var many = inSpan(() -> traced.prepareMany(List.of(Job.of("a", "{}"), Job.of("b", "{}"))));
        for (Prepared p : many.getValue()) assertEquals(many.getKey(), metadata(p.metadataJson()).get("awa:traceparent"));
        var binds = inSpan(() -> traced.insertManyBinds(List.of(Job.of("a", "{}"))));
        assertTrue(binds.getValue().toString().contains(binds.getKey()), binds.getValue().toString());
    }

    @Test
    void offByDefaultAndOutsideASpan() {
        assertFalse(plain.tracesContext());
        var r = inSpan(() -> plain.prepare(Job.of("k", "{}")));
        assertEquals("{}", r.getValue().metadataJson());
        // opted in, but no span is current: nothing to propagate
        assertEquals("{}", traced.prepare(Job.of("k", "{}")).metadataJson());
    }

    @Test
    void explicitValuesWin() {
        var field = inSpan(() -> traced.prepare(Job.builder("k").traceparent(EXPLICIT).build()));
        assertEquals(Map.of("awa:traceparent", EXPLICIT), metadata(field.getValue().metadataJson()));
        var meta = inSpan(() -> traced.prepare(Job.builder("k").metadata(Map.of("awa:traceparent", EXPLICIT)).build()));
        assertEquals(Map.of("awa:traceparent", EXPLICIT), metadata(meta.getValue().metadataJson()));
        // without the opt-in, the job's own field is still sent
        assertEquals(Map.of("awa:traceparent", EXPLICIT),
                metadata(plain.prepare(Job.builder("k").traceparent(EXPLICIT).build()).metadataJson()));
    }

    @Test
    void invalidExplicitValueIsRejected() {
        for (AwaEnqueue awa : List.of(traced, plain)) {
            AwaEnqueueException e = assertThrows(AwaEnqueueException.class,
                    () -> inSpan(() -> awa.prepare(Job.builder("k").traceparent("not-a-traceparent").build())));
            assertEquals("invalid_traceparent", e.code(), e.toString());
            assertEquals("traceparent", e.field());
        }
        AwaEnqueueException e = assertThrows(AwaEnqueueException.class,
                () -> traced.prepareMany(List.of(Job.of("a", "{}"), Job.builder("b").traceparent("00-zz").build())));
        assertEquals("invalid_traceparent", e.code(), e.toString());
        assertEquals("jobs[1].traceparent", e.field());
        e = assertThrows(AwaEnqueueException.class, () -> plain.prepare(Job.builder("k").traceparent("00-\ud800").build()));
        assertEquals("invalid_argument", e.code(), e.toString());
    }

    @Test
    void storedInTheDatabase() throws Exception {
        assumeTrue(TestSupport.databaseUrl() != null && !TestSupport.databaseUrl().isEmpty(), "DATABASE_URL unset");
        String url = TestSupport.newDb("jvm_trace", "canonical");
        try (Connection c = PostgresUrl.connect(url)) {
            var one = inSpan(() -> {
                try {
                    return traced.enqueue(c, Job.builder("jvm_traced").metadata(Map.of("source", "jvm")).build());
                } catch (java.sql.SQLException ex) {
                    throw new IllegalStateException(ex);
                }
            });
            assertEquals(one.getKey(), metadata(one.getValue().metadataJson()).get("awa:traceparent"));
            assertEquals(one.getKey(), storedTraceparent(c, one.getValue().id()));
            var many = inSpan(() -> {
                try {
                    return traced.enqueueMany(c, List.of(Job.of("jvm_traced", "{\"i\":1}"), Job.of("jvm_traced", "{\"i\":2}")));
                } catch (java.sql.SQLException ex) {
                    throw new IllegalStateException(ex);
                }
            });
            for (JobRow row : many.getValue()) assertEquals(many.getKey(), storedTraceparent(c, row.id()));
            JobRow untraced = plain.enqueue(c, Job.of("jvm_traced", "{\"i\":3}"));
            assertNull(storedTraceparent(c, untraced.id()));
        }
    }

    private static String storedTraceparent(Connection c, long id) throws Exception {
        try (PreparedStatement ps = c.prepareStatement("SELECT metadata->>'awa:traceparent' FROM awa.jobs WHERE id = ?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                assertTrue(rs.next());
                return rs.getString(1);
            }
        }
    }
}
