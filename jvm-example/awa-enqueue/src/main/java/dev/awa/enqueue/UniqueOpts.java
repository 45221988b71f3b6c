package dev.awa.enqueue;

import java.util.Collection;
import java.util.List;
import java.util.Objects;

/**
 * Uniqueness options of a job, as Awa's {@code UniqueOpts}: what the unique key folds in and in
 * which states the key blocks a duplicate. Every option left unset (null) is sent unset, and the
 * core applies Awa's default for it ({@code UniqueOpts::default()}: by args on, by queue off, no
 * period, states scheduled, available, running, completed, retryable = {@code 11111000}).
 *
 * <p>The states are given either as Awa's u8 mask ({@link Builder#states(Integer)}, bit 0 =
 * scheduled) or as state names ({@link Builder#stateNames}), not both (the core refuses both:
 * {@code conflicting_states}). {@code byPeriod} is the period bucket itself; compute it with
 * {@link AwaEnqueue#periodBucket}.
 */
public final class UniqueOpts {
    private final Boolean byQueue;
    private final Boolean byArgs;
    private final Long byPeriod;
    private final Integer states;
    private final List<String> stateNames;

    private UniqueOpts(Builder b) {
        this.byQueue = b.byQueue;
        this.byArgs = b.byArgs;
        this.byPeriod = b.byPeriod;
        this.states = b.states;
        this.stateNames = b.stateNames;
    }

    /** Every option unset: Awa's defaults (unique by kind and args, default states). */
    public static UniqueOpts defaults() {
        return builder().build();
    }

    /** Unique by kind and args, every other option at Awa's default. */
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
        b.stateNames = stateNames;
        return b;
    }

    /** Null when unset (Awa's default: false). */
    public Boolean isByQueue() {
        return byQueue;
    }

    /** Null when unset (Awa's default: true). */
    public Boolean isByArgs() {
        return byArgs;
    }

    /** The period bucket folded into the key, or null for none. */
    public Long byPeriod() {
        return byPeriod;
    }

    /** The state mask, or null when unset. */
    public Integer states() {
        return states;
    }

    /** The state names, or null when unset. */
    public List<String> stateNames() {
        return stateNames;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof UniqueOpts u && Objects.equals(u.byQueue, byQueue) && Objects.equals(u.byArgs, byArgs)
                && Objects.equals(u.byPeriod, byPeriod) && Objects.equals(u.states, states)
                && Objects.equals(u.stateNames, stateNames);
    }

    @Override
    public int hashCode() {
        return Objects.hash(byQueue, byArgs, byPeriod, states, stateNames);
    }

    @Override
    public String toString() {
        return "UniqueOpts{byQueue=" + byQueue + ", byArgs=" + byArgs + ", byPeriod=" + byPeriod + ", states="
                + (stateNames != null ? stateNames : states) + "}";
    }

    public static final class Builder {
        private Boolean byQueue;
        private Boolean byArgs;
        private Long byPeriod;
        private Integer states;
        private List<String> stateNames;

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

        /**
         * The state mask (0..255, bit 0 = scheduled); null = Awa's default. Outside 0..255 the job
         * fails with {@code invalid_argument} (field {@code unique.states}) when it is prepared.
         */
        public Builder states(Integer mask) {
            states = mask;
            return this;
        }

        /** The states as Awa's names ({@code scheduled}, {@code available}, ...); null = Awa's default. */
        public Builder stateNames(Collection<String> names) {
            stateNames = names == null ? null : List.copyOf(names);
            return this;
        }

        public Builder stateNames(String... names) {
            return stateNames(List.of(names));
        }

        /** The states in which a duplicate is rejected (the core checks the set); null = Awa's default. */
        public Builder states(JobState... states) {
            if (states == null) return stateNames((Collection<String>) null);
            java.util.ArrayList<String> names = new java.util.ArrayList<>(states.length);
            for (JobState s : states) names.add(s.wireName());
            return stateNames(names);
        }

        public UniqueOpts build() {
            return new UniqueOpts(this);
        }
    }
}
