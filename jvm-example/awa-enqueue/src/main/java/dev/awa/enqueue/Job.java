package dev.awa.enqueue;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An immutable job description. Every value left unset (null) takes Awa's default inside the
 * core (queue {@code default}, priority 2, max attempts 25, args {@code {}}, ...). Args and
 * metadata are JSON text in any spelling, or a Java value written by {@link Json#write} (see its
 * note on doubles).
 *
 * <p>Nothing is checked here: the core validates the job when it is prepared or enqueued, and so
 * do the host-side checks ({@code invalid_argument}: a string with an unpaired UTF-16 surrogate,
 * a value {@link Json#write} cannot write, a state mask outside 0..255), so that an error in a
 * batch names its job ({@code jobs[3].args}).
 */
public final class Job {
    private final String kind;
    private final String argsJson;
    private final String argsProblem;
    private final String queue;
    private final Long priority;
    private final Long maxAttempts;
    private final String runAt;
    private final Instant runAtTime;
    private final String metadataJson;
    private final String metadataProblem;
    private final List<String> tags;
    private final UniqueOpts unique;
    private final byte[] orderingKey;
    private final String orderingKeyProblem;
    private final String traceparent;

    private Job(Builder b) {
        this.kind = Objects.requireNonNull(b.kind, "kind");
        this.argsJson = b.argsJson;
        this.argsProblem = b.argsProblem;
        this.queue = b.queue;
        this.priority = b.priority;
        this.maxAttempts = b.maxAttempts;
        this.runAt = b.runAt;
        this.runAtTime = b.runAtTime;
        this.metadataJson = b.metadataJson;
        this.metadataProblem = b.metadataProblem;
        this.tags = List.copyOf(b.tags);
        this.unique = b.unique;
        this.orderingKey = b.orderingKey == null ? null : b.orderingKey.clone();
        this.orderingKeyProblem = b.orderingKeyProblem;
        this.traceparent = b.traceparent;
    }

    public static Builder builder(String kind) {
        return new Builder(kind);
    }

    /** A job with raw JSON args and every other option at Awa's default. */
    public static Job of(String kind, String argsJson) {
        return builder(kind).argsJson(argsJson).build();
    }

    /** A builder starting from this job's values. */
    public Builder toBuilder() {
        Builder b = new Builder(kind);
        b.argsJson = argsJson;
        b.argsProblem = argsProblem;
        b.queue = queue;
        b.priority = priority;
        b.maxAttempts = maxAttempts;
        b.runAt = runAt;
        b.runAtTime = runAtTime;
        b.metadataJson = metadataJson;
        b.metadataProblem = metadataProblem;
        b.tags = tags;
        b.unique = unique;
        b.orderingKey = orderingKey;
        b.orderingKeyProblem = orderingKeyProblem;
        b.traceparent = traceparent;
        return b;
    }

    public String kind() {
        return kind;
    }

    /** Args as JSON text, or null (Awa's default {@code {}}, or a value {@link Json#write} could not write). */
    public String argsJson() {
        return argsJson;
    }

    public String queue() {
        return queue;
    }

    public Long priority() {
        return priority;
    }

    public Long maxAttempts() {
        return maxAttempts;
    }

    /** run_at as RFC 3339 text, or null. */
    public String runAt() {
        return runAt;
    }

    /** run_at as an instant, or null. */
    public Instant runAtTime() {
        return runAtTime;
    }

    public String metadataJson() {
        return metadataJson;
    }

    public List<String> tags() {
        return tags;
    }

    public UniqueOpts unique() {
        return unique;
    }

    public byte[] orderingKey() {
        return orderingKey == null ? null : orderingKey.clone();
    }

    /** W3C traceparent written to metadata {@code awa:traceparent} (unless the metadata has it), or null. */
    public String traceparent() {
        return traceparent;
    }

    byte[] orderingKeyRaw() {
        return orderingKey;
    }

    /** Why {@link Builder#args(Object)} could not write its value, or null. */
    String argsProblem() {
        return argsProblem;
    }

    String metadataProblem() {
        return metadataProblem;
    }

    String orderingKeyProblem() {
        return orderingKeyProblem;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Job j && kind.equals(j.kind) && Objects.equals(argsJson, j.argsJson)
                && Objects.equals(argsProblem, j.argsProblem) && Objects.equals(queue, j.queue)
                && Objects.equals(priority, j.priority) && Objects.equals(maxAttempts, j.maxAttempts)
                && Objects.equals(runAt, j.runAt) && Objects.equals(runAtTime, j.runAtTime)
                && Objects.equals(metadataJson, j.metadataJson) && Objects.equals(metadataProblem, j.metadataProblem)
                && tags.equals(j.tags) && Objects.equals(unique, j.unique) && Arrays.equals(orderingKey, j.orderingKey)
                && Objects.equals(orderingKeyProblem, j.orderingKeyProblem) && Objects.equals(traceparent, j.traceparent);
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, argsJson, argsProblem, queue, priority, maxAttempts, runAt, runAtTime, metadataJson,
                metadataProblem, tags, unique, orderingKeyProblem, traceparent) * 31 + Arrays.hashCode(orderingKey);
    }

    @Override
    public String toString() {
        return "Job{kind=" + kind + ", args=" + (argsProblem != null ? "<" + argsProblem + ">" : argsJson)
                + ", queue=" + queue + ", priority=" + priority + ", maxAttempts=" + maxAttempts + ", runAt="
                + (runAtTime != null ? runAtTime : runAt) + ", metadata="
                + (metadataProblem != null ? "<" + metadataProblem + ">" : metadataJson) + ", tags=" + tags
                + ", unique=" + unique + ", orderingKey="
                + (orderingKeyProblem != null ? "<" + orderingKeyProblem + ">" : Hex.encode(orderingKey)) + ", traceparent="
                + traceparent + "}";
    }

    public static final class Builder {
        private final String kind;
        private String argsJson;
        private String argsProblem;
        private String queue;
        private Long priority;
        private Long maxAttempts;
        private String runAt;
        private Instant runAtTime;
        private String metadataJson;
        private String metadataProblem;
        private List<String> tags = List.of();
        private UniqueOpts unique;
        private byte[] orderingKey;
        private String orderingKeyProblem;
        private String traceparent;

        private Builder(String kind) {
            this.kind = Objects.requireNonNull(kind, "kind");
        }

        /** Args as JSON text, any spelling (the core canonicalizes it). Null = Awa's default {@code {}}. */
        public Builder argsJson(String json) {
            argsJson = json;
            argsProblem = null;
            return this;
        }

        /**
         * Args as a Map (or any value {@link Json#write} accepts). A value it cannot write (a
         * non-string map key, an unknown type) makes the job fail with {@code invalid_argument}
         * (field {@code args}) when it is prepared.
         */
        public Builder args(Object value) {
            try {
                argsJson = Json.write(value);
                argsProblem = null;
            } catch (IllegalArgumentException e) {
                argsJson = null;
                argsProblem = "args: " + e.getMessage();
            }
            return this;
        }

        /** Null = Awa's default queue. */
        public Builder queue(String v) {
            queue = v;
            return this;
        }

        /** Null = Awa's default (2). */
        public Builder priority(Long v) {
            priority = v;
            return this;
        }

        public Builder priority(long v) {
            return priority(Long.valueOf(v));
        }

        /** Null = Awa's default (25). */
        public Builder maxAttempts(Long v) {
            maxAttempts = v;
            return this;
        }

        public Builder maxAttempts(long v) {
            return maxAttempts(Long.valueOf(v));
        }

        /** run_at as RFC 3339 text (the core parses it); a job with a run_at is inserted {@code scheduled}. */
        public Builder runAt(String rfc3339) {
            runAt = rfc3339;
            runAtTime = null;
            return this;
        }

        /** run_at as an instant (seconds and nanoseconds since the epoch, given to the core as such). */
        public Builder runAt(Instant at) {
            runAtTime = at;
            runAt = null;
            return this;
        }

        /** The instant of {@code at}. */
        public Builder runAt(OffsetDateTime at) {
            return runAt(at == null ? null : at.toInstant());
        }

        public Builder metadataJson(String json) {
            metadataJson = json;
            metadataProblem = null;
            return this;
        }

        /** Metadata as a Map, written by {@link Json#write} (see {@link #args(Object)}). Null = {@code {}}. */
        public Builder metadata(Map<String, ?> value) {
            metadataJson = null;
            metadataProblem = null;
            if (value != null) {
                try {
                    metadataJson = Json.write(value);
                } catch (IllegalArgumentException e) {
                    metadataProblem = "metadata: " + e.getMessage();
                }
            }
            return this;
        }

        public Builder tags(Collection<String> v) {
            tags = List.copyOf(v);
            return this;
        }

        public Builder tags(String... v) {
            tags = List.of(v);
            return this;
        }

        /** Null = not unique. */
        public Builder unique(UniqueOpts v) {
            unique = v;
            return this;
        }

        /** Raw ordering-key bytes (ADR-025 enqueue shard); empty is not the same as none. */
        public Builder orderingKey(byte[] key) {
            orderingKey = key == null ? null : key.clone();
            orderingKeyProblem = null;
            return this;
        }

        /**
         * Ordering key as UTF-8 text. A string with an unpaired UTF-16 surrogate makes the job
         * fail with {@code invalid_argument} (field {@code orderingKey}) when it is prepared.
         */
        public Builder orderingKey(String key) {
            CoreInstance.CoreError e = key == null ? null : CoreInstance.checkString(key, "ordering_key");
            orderingKey = key == null || e != null ? null : key.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            orderingKeyProblem = e == null ? null : e.message();
            return this;
        }

        /**
         * W3C traceparent ({@code 00-<trace-id>-<span-id>-<flags>}); the core checks it
         * ({@code invalid_traceparent}) and writes it to metadata {@code awa:traceparent} unless
         * the metadata already has that key. Null = none (or, with
         * {@link AwaEnqueue.Builder#traceContext(boolean)}, the current OpenTelemetry context's).
         */
        public Builder traceparent(String v) {
            traceparent = v;
            return this;
        }

        public Job build() {
            return new Job(this);
        }
    }
}
