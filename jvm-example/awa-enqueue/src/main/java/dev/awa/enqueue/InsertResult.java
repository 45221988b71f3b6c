package dev.awa.enqueue;

/**
 * The outcome of {@link AwaEnqueue#tryEnqueue}: the inserted {@code row}, or {@code duplicate}
 * with the job that holds the unique key ({@code existing}; null when that job is not visible to
 * the transaction, e.g. not committed yet). Exactly one of {@code row} and {@code duplicate} is set.
 */
public record InsertResult(JobRow row, boolean duplicate, JobRow existing) {
    static InsertResult inserted(JobRow row) {
        return new InsertResult(row, false, null);
    }

    static InsertResult duplicateOf(JobRow existing) {
        return new InsertResult(null, true, existing);
    }

    /** True when the job was inserted ({@link #row()} is set). */
    public boolean inserted() {
        return !duplicate;
    }
}
