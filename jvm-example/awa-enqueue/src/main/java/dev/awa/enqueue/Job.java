package dev.awa.enqueue;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An immutable job description. Unset values take Awa's defaults inside the core (queue
 * {@code default}, priority 2, max attempts 25, args {@code {}} ... ). Args and metadata are
 * JSON text in any spelling, or a Map written by {@link Json#write} (see its note on doubles).
 */
public final class Job {
    private final String kind;
    private final String argsJson;
    private final String queue;
    private final Integer priority;
    private final Integer maxAttempts;
    private final String runAt;
    private final String metadataJson;
    private final List<String> tags;
    private final UniqueOpts unique;
    private final byte[] orderingKey;

    private Job(Builder b) {
        this.kind = Objects.requireNonNull(b.kind, "kind");
        this.argsJson = b.argsJson;
        this.queue = b.queue;
        this.priority = b.priority;
        this.maxAttempts = b.maxAttempts;
        this.runAt = b.runAt;
        this.metadataJson = b.metadataJson;
        this.tags = List.copyOf(b.tags);
        this.unique = b.unique;
        this.orderingKey = b.orderingKey == null ? null : b.orderingKey.clone();
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
        b.queue = queue;
        b.priority = priority;
        b.maxAttempts = maxAttempts;
        b.runAt = runAt;
        b.metadataJson = metadataJson;
        b.tags = tags;
        b.unique = unique;
        b.orderingKey = orderingKey;
        return b;
    }

    public String kind() {
        return kind;
    }

    public String argsJson() {
        return argsJson;
    }

    public String queue() {
        return queue;
    }

    public Integer priority() {
        return priority;
    }

    public Integer maxAttempts() {
        return maxAttempts;
    }

    /** RFC 3339 text as given, or null. */
    public String runAt() {
        return runAt;
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

    byte[] orderingKeyRaw() {
        return orderingKey;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Job j && kind.equals(j.kind) && Objects.equals(argsJson, j.argsJson)
                && Objects.equals(queue, j.queue) && Objects.equals(priority, j.priority)
                && Objects.equals(maxAttempts, j.maxAttempts) && Objects.equals(runAt, j.runAt)
                && Objects.equals(metadataJson, j.metadataJson) && tags.equals(j.tags)
                && Objects.equals(unique, j.unique) && Arrays.equals(orderingKey, j.orderingKey);
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, argsJson, queue, priority, maxAttempts, runAt, metadataJson, tags, unique)
                * 31 + Arrays.hashCode(orderingKey);
    }

    @Override
    public String toString() {
        return "Job{kind=" + kind + ", args=" + argsJson + ", queue=" + queue + ", priority=" + priority
                + ", maxAttempts=" + maxAttempts + ", runAt=" + runAt + ", metadata=" + metadataJson
                + ", tags=" + tags + ", unique=" + unique + ", orderingKey="
                + (orderingKey == null ? null : Hex.encode(orderingKey)) + "}";
    }

    public static final class Builder {
        private final String kind;
        private String argsJson;
        private String queue;
        private Integer priority;
        private Integer maxAttempts;
        private String runAt;
        private String metadataJson;
        private List<String> tags = List.of();
        private UniqueOpts unique;
        private byte[] orderingKey;

        private Builder(String kind) {
            this.kind = Objects.requireNonNull(kind, "kind");
        }

        /** Args as JSON text, any spelling (the core canonicalizes it). Null = Awa's default {@code {}}. */
        public Builder argsJson(String json) {
            argsJson = json;
            return this;
        }

        /** Args as a Map (or any value {@link Json#write} accepts). */
        public Builder args(Object value) {
            argsJson = writeJson(value, "args");
            return this;
        }

        private static String writeJson(Object value, String field) {
            try {
                return Json.write(value);
            } catch (IllegalArgumentException e) {
                throw new AwaEnqueueException("invalid_argument", field, field + ": " + e.getMessage(), e);
            }
        }

        public Builder queue(String v) {
            queue = v;
            return this;
        }

        public Builder priority(Integer v) {
            priority = v;
            return this;
        }

        public Builder maxAttempts(Integer v) {
            maxAttempts = v;
            return this;
        }

        /** RFC 3339 text; a job with a run_at is inserted as {@code scheduled}. */
        public Builder runAt(String rfc3339) {
            runAt = rfc3339;
            return this;
        }

        public Builder runAt(Instant at) {
            runAt = at == null ? null : DateTimeFormatter.ISO_INSTANT.format(at);
            return this;
        }

        /** The instant of {@code at}, sent in UTC. */
        public Builder runAt(OffsetDateTime at) {
            return runAt(at == null ? null : at.toInstant());
        }

        public Builder metadataJson(String json) {
            metadataJson = json;
            return this;
        }

        public Builder metadata(Map<String, ?> value) {
            metadataJson = value == null ? null : writeJson(value, "metadata");
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

        public Builder unique(UniqueOpts v) {
            unique = v;
            return this;
        }

        /** Raw ordering-key bytes (ADR-025 enqueue shard); empty is not the same as none. */
        public Builder orderingKey(byte[] key) {
            orderingKey = key == null ? null : key.clone();
            return this;
        }

        /** Ordering key as UTF-8 text (an unpaired surrogate is refused: invalid_argument). */
        public Builder orderingKey(String key) {
            orderingKey = key == null ? null : CoreInstance.utf8(key, "ordering_key");
            return this;
        }

        public Job build() {
            return new Job(this);
        }
    }
}
