package dev.awa.enqueue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.wasm.Parser;
import dev.awa.enqueue.internal.CoreModule;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The handshake: a module whose exports differ from the generated layout, or whose contract-info
 * reports another ABI version, is refused with {@code abi_mismatch}. The modules here are tiny
 * hand-assembled stand-ins (every function traps, except contract-info), run by Chicory's
 * interpreter.
 */
class AbiTest {
    @Test
    void theCommittedModuleMatchesTheLayout() {
        CoreInstance.verify(CoreModule.load());
        try (AwaEnqueue awa = AwaEnqueue.create()) {
            assertEquals(CoreInstance.ABI_VERSION, awa.contractInfo().abiVersion());
        }
    }

    @Test
    void anotherAbiVersionIsRefused() {
        AwaEnqueueException e = refused(new Stub().abi(1));
        assertTrue(e.getMessage().contains("ABI 1"), e.getMessage());
        e = refused(new Stub().abi(3));
        assertTrue(e.getMessage().contains("ABI 3"), e.getMessage());
    }

    @Test
    void aMissingExportIsRefused() {
        Stub stub = new Stub();
        stub.funcs.remove(Layout.WITHIN_BATCH.name());
        AwaEnqueueException e = refused(stub);
        assertTrue(e.getMessage().contains("lacks export " + Layout.WITHIN_BATCH.name()), e.getMessage());
        Stub noPost = new Stub();
        noPost.funcs.remove(Layout.PREPARE.post());
        e = refused(noPost);
        assertTrue(e.getMessage().contains(Layout.PREPARE.post()), e.getMessage());
    }

    @Test
    void anotherSignatureIsRefused() {
        Stub stub = new Stub();
        stub.funcs.put(Layout.PREPARE.name(), new String[] {"i32,i32", "i32"}); // a job passed flat, say
        AwaEnqueueException e = refused(stub);
        assertTrue(e.getMessage().contains(Layout.PREPARE.name()) && e.getMessage().contains("(i32,i32) -> (i32)"),
                e.getMessage());
        Stub results = new Stub();
        results.funcs.put(Layout.ORDERING_KEY_HASH64.name(), new String[] {"i32,i32", "i32"});
        assertTrue(refused(results).getMessage().contains(Layout.ORDERING_KEY_HASH64.name()));
        Stub realloc = new Stub();
        realloc.funcs.put("cabi_realloc", new String[] {"i32,i32,i32", "i32"});
        assertTrue(refused(realloc).getMessage().contains("cabi_realloc"));
        Stub extraPost = new Stub();
        extraPost.funcs.put("cabi_post_" + Layout.SHARD_FOR_ORDERING_KEY.name(), new String[] {"i32", ""});
        assertTrue(refused(extraPost).getMessage().contains("post-return"));
    }

    private static AwaEnqueueException refused(Stub stub) {
        AwaEnqueueException e = assertThrows(AwaEnqueueException.class,
                () -> AwaEnqueue.forModule(Parser.parse(stub.bytes())).close());
        assertEquals("abi_mismatch", e.code(), e.toString());
        assertEquals("", e.field());
        return e;
    }

    /**
     * A module exporting every function of {@link Layout#ALL} (and its post-return, cabi_realloc,
     * a memory) with the generated signatures; contract-info returns a record with {@code abi}.
     */
    static final class Stub {
        final Map<String, String[]> funcs = new LinkedHashMap<>();
        private long abi = CoreInstance.ABI_VERSION;

        Stub() {
            funcs.put("cabi_realloc", new String[] {"i32,i32,i32,i32", "i32"});
            for (Layout.Export e : Layout.ALL) {
                funcs.put(e.name(), new String[] {e.params(), e.results()});
                if (!e.post().isEmpty()) funcs.put(e.post(), new String[] {e.results(), ""});
            }
        }

        Stub abi(long v) {
            abi = v;
            return this;
        }

        /** The record contract-info returns, at {@link #RECORD}; its awa-version text at {@link #TEXT}. */
        static final int RECORD = 64, TEXT = 128;

        byte[] bytes() {
            List<String> names = new ArrayList<>(funcs.keySet());
            Buf types = new Buf(), functions = new Buf(), exports = new Buf(), code = new Buf();
            types.u32(names.size());
            functions.u32(names.size());
            exports.u32(names.size() + 1);
            code.u32(names.size());
            for (int i = 0; i < names.size(); i++) {
                String[] sig = funcs.get(names.get(i));
                types.b(0x60).valTypes(sig[0]).valTypes(sig[1]);
                functions.u32(i);
                exports.name(names.get(i)).b(0x00).u32(i);
                Buf body = new Buf().u32(0); // no locals
                if (names.get(i).equals(Layout.CONTRACT_INFO.name())) body.b(0x41).s32(RECORD); // i32.const RECORD
                else if (!sig[1].isEmpty()) body.b(0x00); // unreachable
                body.b(0x0b);
                code.u32(body.size()).bytes(body.toByteArray());
            }
            exports.name("memory").b(0x02).u32(0);
            byte[] version = "0.6.9".getBytes(StandardCharsets.UTF_8);
            Buf record = new Buf();
            record.i32le(TEXT).i32le(version.length); // awa-version: string (ptr, len)
            while (record.size() < Layout.CONTRACT_ABI_VERSION) record.b(0);
            record.i32le((int) abi);
            while (record.size() < Layout.CONTRACT_MIN_SCHEMA_VERSION) record.b(0);
            record.i32le(40);
            while (record.size() < Layout.CONTRACT_MAX_TESTED_SCHEMA_VERSION) record.b(0);
            record.i32le(43);
            Buf data = new Buf().u32(2);
            data.u32(0).b(0x41).s32(RECORD).b(0x0b).u32(record.size()).bytes(record.toByteArray());
            data.u32(0).b(0x41).s32(TEXT).b(0x0b).u32(version.length).bytes(version);
            Buf memory = new Buf().u32(1).b(0x00).u32(1);
            Buf module = new Buf().bytes(new byte[] {0, 'a', 's', 'm', 1, 0, 0, 0});
            module.section(1, types).section(3, functions).section(5, memory).section(7, exports).section(10, code)
                    .section(11, data);
            return module.toByteArray();
        }
    }

    /** Wasm binary encoding: bytes, LEB128 integers, names, sections. */
    static final class Buf extends ByteArrayOutputStream {
        Buf b(int v) {
            write(v);
            return this;
        }

        Buf bytes(byte[] v) {
            write(v, 0, v.length);
            return this;
        }

        Buf u32(long v) {
            do {
                int low = (int) (v & 0x7f);
                v >>>= 7;
                write(v != 0 ? low | 0x80 : low);
            } while (v != 0);
            return this;
        }

        Buf s32(int v) {
            while (true) {
                int low = v & 0x7f;
                v >>= 7;
                boolean done = (v == 0 && (low & 0x40) == 0) || (v == -1 && (low & 0x40) != 0);
                write(done ? low : low | 0x80);
                if (done) return this;
            }
        }

        Buf i32le(int v) {
            for (int k = 0; k < 4; k++) write((v >>> (8 * k)) & 0xff);
            return this;
        }

        Buf name(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            return u32(b.length).bytes(b);
        }

        Buf valTypes(String list) {
            String[] ts = list.isEmpty() ? new String[0] : list.split(",");
            u32(ts.length);
            for (String t : ts) b(switch (t) {
                case "i32" -> 0x7f;
                case "i64" -> 0x7e;
                case "f32" -> 0x7d;
                case "f64" -> 0x7c;
                default -> throw new IllegalArgumentException(t);
            });
            return this;
        }

        Buf section(int id, Buf content) {
            return b(id).u32(content.size()).bytes(content.toByteArray());
        }
    }
}
