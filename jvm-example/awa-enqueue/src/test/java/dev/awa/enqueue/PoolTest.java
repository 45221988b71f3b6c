package dev.awa.enqueue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The instance pool: reuse, bound, and discarding an instance after a trap. */
class PoolTest {
    @Test
    void trappedInstanceIsDiscarded() {
        try (AwaEnqueue awa = AwaEnqueue.builder().maxIdleInstances(1).build()) {
            assertEquals(1, awa.idleInstances());
            // canonical-json reading 64 bytes at the end of the 4 GiB address space: out of bounds
            AwaEnqueueException e = assertThrows(AwaEnqueueException.class,
                    () -> awa.with(i -> i.rawCall(Layout.CANONICAL_JSON.name(), 0xFFFF_FFC0L, 64)));
            assertEquals("module_trap", e.code());
            assertEquals(0, awa.idleInstances(), "the trapped instance was not returned to the pool");
            assertEquals("{\"a\":1}", awa.canonicalJson("{ \"a\" : 1 }"));
            assertEquals(1, awa.idleInstances());
        }
    }
}
