package dev.awa.enqueue;

import java.sql.SQLException;
import java.util.List;

/**
 * The outcome of {@link AwaEnqueue#enqueueManyParallel}: {@code rows} has one entry per job in
 * input order ({@code null} for the jobs of a failed part); {@code parts} has each part's outcome.
 */
public record ParallelResult(List<JobRow> rows, List<Part> parts) {
    /**
     * One part, its own transaction: the positions of its jobs in the batch (ascending), its
     * rows in that order, or its {@code error} (then {@code rows} is null and none of its jobs
     * was stored).
     */
    public record Part(List<Integer> jobs, List<JobRow> rows, SQLException error) {
        /** True when the part committed. */
        public boolean committed() {
            return error == null;
        }
    }

    /** True when every part committed. */
    public boolean committed() {
        return parts.stream().allMatch(Part::committed);
    }
}
