package dev.awa.enqueue;

import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapSetter;

/**
 * The W3C traceparent of the current OpenTelemetry context. Only linked when
 * {@link AwaEnqueue} found io.opentelemetry.api on the classpath (the dependency is optional).
 */
final class OtelTraceparent {
    private static final String KEY = "traceparent";
    private static final TextMapSetter<String[]> SETTER = (carrier, key, value) -> {
        if (carrier != null && KEY.equals(key)) carrier[0] = value;
    };

    private OtelTraceparent() {}

    /** The globally registered propagator's {@code traceparent} for the current context, or null. */
    static String current() {
        String[] out = new String[1];
        GlobalOpenTelemetry.getPropagators().getTextMapPropagator().inject(Context.current(), out, SETTER);
        return out[0];
    }
}
