package dev.awa.enqueue;

import java.sql.SQLException;

/**
 * Thrown by {@link AwaEnqueue#enqueueManyParallel} when at least one part failed: the other parts
 * committed. {@link #result()} tells which jobs were stored; the cause is the first failed part's
 * error and the others are suppressed. {@link AwaEnqueue#isUniqueConflict} is true when a part
 * failed on a duplicate.
 */
public final class EnqueuePartsException extends SQLException {
    private static final long serialVersionUID = 1L;
    private final transient ParallelResult result;

    EnqueuePartsException(ParallelResult result, int failed) {
        super(failed + " of " + result.parts().size() + " parts failed; the others committed");
        this.result = result;
        for (ParallelResult.Part p : result.parts()) {
            if (p.error() == null) continue;
            if (getCause() == null) initCause(p.error());
            else addSuppressed(p.error());
        }
    }

    /** Every part's outcome; {@code rows().get(i)} is null for the jobs of failed parts. */
    public ParallelResult result() {
        return result;
    }
}
