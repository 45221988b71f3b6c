package dev.awa.enqueue;

import java.util.Objects;

/**
 * Uniqueness options of a job, as Awa's {@code UniqueOpts}: what the unique key folds in and
 * in which states the key blocks a duplicate. {@code states} is Awa's u8 state mask
 * (bit 0 = scheduled); {@link #DEFAULT_STATES} is Awa's default. Use
 * {@link AwaEnqueue#uniqueStatesMask} to build a mask from state names and
 * {@link AwaEnqueue#periodBucket} to compute a {@code byPeriod} bucket.
 */
public final class UniqueOpts {
    /** Awa's default state mask (scheduled, available, running, completed, retryable). */
    public static final int DEFAULT_STATES = 0b0001_1111;

    private final boolean byQueue;
    private final boolean byArgs;
    private final Long byPeriod;
    private final int states;

    private UniqueOpts(Builder b) {
        this.byQueue = b.byQueue;
        this.byArgs = b.byArgs;
        this.byPeriod = b.byPeriod;
        this.states = b.states;
    }

    /** Awa's default: unique by kind and args, default states. */
    public static UniqueOpts byArgs() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public boolean isByQueue() {
        return byQueue;
    }

    public boolean isByArgs() {
        return byArgs;
    }

    /** The period bucket folded into the key, or null. */
    public Long byPeriod() {
        return byPeriod;
    }

    public int states() {
        return states;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof UniqueOpts u && u.byQueue == byQueue && u.byArgs == byArgs
                && Objects.equals(u.byPeriod, byPeriod) && u.states == states;
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
        private boolean byQueue = false;
        private boolean byArgs = true;
        private Long byPeriod;
        private int states = DEFAULT_STATES;

        public Builder byQueue(boolean v) {
            byQueue = v;
            return this;
        }

        public Builder byArgs(boolean v) {
            byArgs = v;
            return this;
        }

        /** A period bucket (see {@link AwaEnqueue#periodBucket}); null for none. */
        public Builder byPeriod(Long bucket) {
            byPeriod = bucket;
            return this;
        }

        /** The u8 state mask (0..255). */
        public Builder states(int mask) {
            if (mask < 0 || mask > 255) throw new IllegalArgumentException("states is a u8 mask, got " + mask);
            states = mask;
            return this;
        }

        public UniqueOpts build() {
            return new UniqueOpts(this);
        }
    }
}
