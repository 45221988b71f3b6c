package dev.awa.enqueue;

/** A PartitionedQueue route: the partition index and its physical queue name. */
public record Partition(long index, String queue) {}
