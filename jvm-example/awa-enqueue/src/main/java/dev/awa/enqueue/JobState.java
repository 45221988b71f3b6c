package dev.awa.enqueue;

import java.util.Locale;

/** Awa's job states, in Awa's bit order (bit 0 = scheduled); {@link #wireName()} is Awa's name. */
public enum JobState {
    SCHEDULED,
    AVAILABLE,
    RUNNING,
    COMPLETED,
    RETRYABLE,
    FAILED,
    CANCELLED,
    WAITING_EXTERNAL;

    /** Awa's name of the state ({@code scheduled}, ..., {@code waiting_external}). */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
