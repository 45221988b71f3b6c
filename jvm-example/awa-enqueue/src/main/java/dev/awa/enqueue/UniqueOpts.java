package dev.awa.enqueue;

import java.util.Objects;

/**
 * Uniqueness options of a job, as Awa's {@code UniqueOpts}: what the unique key folds in and
 * in which states the key blocks a duplicate. An option left unset (null) takes Awa's default,
 * which the core reports ({@link AwaEnqueue#defaultUniqueOpts()}: by args only, states mask 31).
 * {@code states} is Awa's u8 state mask (bit 0 = scheduled). Use
 * {@link AwaEnqueue#uniqueStatesMask} to build a mask from state names and
 * {@link AwaEnqueue#periodBucket} to compute a {@code byPeriod} bucket.
 */
public final class UniqueOpts {
    private final Boolean byQueue;
    private final Boolean byArgs;
    private final Long byPeriod;
    private final Integer states;

    private UniqueOpts(Builder b) {
        this.byQueue = b.byQueue;
        this.byArgs = b.byArgs;
        this.byPeriod = b.byPeriod;
        this.states = b.states;
    }

    /** Awa's defaults for every option (unique by kind and args, default states). */
    public static UniqueOpts defaults() {
        return builder().build();
    }

    /** Unique by kind and args; every other option at Awa's default. */
    public static UniqueOpts byArgs() {
        return builder().byArgs(true).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from these options. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.byQueue = byQueue;
        b.byArgs = byArgs;
        b.byPeriod = byPeriod;
        b.states = states;
        return b;
    }

    /** Null when unset (Awa's default). */
    public Boolean isByQueue() {
        return byQueue;
    }

    /** Null when unset (Awa's default). */
    public Boolean isByArgs() {
        return byArgs;
    }

    /** The period bucket folded into the key, or null for none. */
    public Long byPeriod() {
        return byPeriod;
    }

    /** The u8 state mask, or null when unset (Awa's default). */
    public Integer states() {
        return states;
    }

    /** These options with unset values taken from {@code defaults}. */
    UniqueOpts orDefaults(UniqueOpts defaults) {
        if (byQueue != null && byArgs != null && states != null) return this;
        Builder b = toBuilder();
        if (byQueue == null) b.byQueue = defaults.byQueue;
        if (byArgs == null) b.byArgs = defaults.byArgs;
        if (states == null) b.states = defaults.states;
        return b.build();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof UniqueOpts u && Objects.equals(u.byQueue, byQueue) && Objects.equals(u.byArgs, byArgs)
                && Objects.equals(u.byPeriod, byPeriod) && Objects.equals(u.states, states);
    }

    @Override
    public int hashCode() {
        return Objects.hash(byQueue, byArgs, byPeriod, states);
    }

    @Override
    public String toString() {
        return "UniqueOpts{byQueue=" + byQueue + ", byArgs=" + byArgs + ", byPeriod=" + byPeriod + ", states=" + states + "}";
    }

    public static final class Builder {
        private Boolean byQueue;
        private Boolean byArgs;
        private Long byPeriod;
        private Integer states;

        /** Null = Awa's default. */
        public Builder byQueue(Boolean v) {
            byQueue = v;
            return this;
        }

        /** Null = Awa's default. */
        public Builder byArgs(Boolean v) {
            byArgs = v;
            return this;
        }

        /** A period bucket (see {@link AwaEnqueue#periodBucket}); null for none. */
        public Builder byPeriod(Long bucket) {
            byPeriod = bucket;
            return this;
        }

        /** The u8 state mask (0..255); null = Awa's default. */
        public Builder states(Integer mask) {
            if (mask != null && (mask < 0 || mask > 255)) {
                throw new AwaEnqueueException("invalid_argument", "unique.states", "unique.states is a u8 mask, got " + mask);
            }
            states = mask;
            return this;
        }

        public UniqueOpts build() {
            return new UniqueOpts(this);
        }
    }
}
