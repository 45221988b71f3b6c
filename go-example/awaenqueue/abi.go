package awaenqueue

// Hand-written canonical ABI glue for the exports of wit/awa-enqueue.wit (interface core).
// Layouts follow the canonical ABI: records are laid out field by field, each aligned; an
// option/result is a u8 discriminant followed by its payload at the payload's alignment.
// Params that flatten to more than 16 values (`job`) are passed by pointer; results that
// flatten to more than one value are read from the returned area, then cabi_post_* frees it.

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/tetratelabs/wazero/api"
)

const exportPrefix = "awa:enqueue/core@0.6.9#"

// Byte layouts (size, field offsets) computed from the WIT by the canonical ABI rules.
const (
	stringSize = 8 // (ptr u32, len u32), align 4

	// record error { code: string, field: string, message: string }: size 24, align 4
	errorSize = 24

	// record unique-opts (align 8, size 32); option<unique-opts>: tag @0, payload @8, size 40.
	uniqueByQueue  = 0  // bool
	uniqueByArgs   = 1  // bool
	uniqueByPeriod = 8  // option<s64>: tag, value @+8
	uniqueStates   = 24 // u8
	uniqueOptsSize = 32

	// record job (align 8, size 136):
	jobKind        = 0   // string
	jobArgs        = 8   // option<string>: tag, ptr @+4, len @+8
	jobQueue       = 20  // option<string>
	jobPriority    = 32  // option<s32>: tag, value @+4
	jobMaxAttempts = 40  // option<s32>
	jobRunAt       = 48  // option<string>
	jobMetadata    = 60  // option<string>
	jobTags        = 72  // list<string>
	jobUnique      = 80  // option<unique-opts>: tag, record @+8
	jobOrderingKey = 120 // option<list<u8>>
	jobSize        = 136
	jobAlign       = 8

	// record prepared (align 4, size 100)
	prepKind         = 0
	prepQueue        = 8
	prepArgs         = 16
	prepState        = 24
	prepPriority     = 32 // s16
	prepMaxAttempts  = 34 // s16
	prepRunAt        = 36 // option<string>
	prepMetadata     = 48
	prepTags         = 56 // list<string>
	prepUniqueKey    = 64 // option<list<u8>>
	prepUniqueStates = 76 // option<string>
	prepOrderingKey  = 88 // option<list<u8>>
	preparedSize     = 100
)

// errTrap marks a call that trapped; the instance that made it is discarded.
var errTrap = errors.New("awaenqueue: wasm call trapped")

// trapError is the *Error (module_trap) of a trapped call; errors.Is(err, errTrap) holds.
func trapError(format string, args ...any) error {
	return &Error{Code: CodeModuleTrap, Message: "core module trapped: " + fmt.Sprintf(format, args...), cause: errTrap}
}

type instance struct {
	mod     api.Module
	mem     api.Memory
	realloc api.Function
	fns     map[string]api.Function
	posts   map[string]api.Function
	stack   []uint64
}

var exportNames = []string{
	"contract-info", "canonical-json", "unique-key", "unique-states-bits", "unique-states-mask",
	"period-bucket", "ordering-key-hash64", "shard-for-ordering-key", "partition-hash64",
	"partition-for-key", "kind-from-type-name", "default-unique-opts", "prepare", "prepare-many", "insert-sql",
	"insert-many-sql", "schema-check-sql", "check-schema",
}

func newInstance(mod api.Module) (*instance, error) {
	in := &instance{
		mod:     mod,
		mem:     mod.Memory(),
		realloc: mod.ExportedFunction("cabi_realloc"),
		fns:     map[string]api.Function{},
		posts:   map[string]api.Function{},
		stack:   make([]uint64, 16),
	}
	if in.mem == nil || in.realloc == nil {
		return nil, fmt.Errorf("awaenqueue: core module lacks memory or cabi_realloc")
	}
	for _, name := range exportNames {
		f := mod.ExportedFunction(exportPrefix + name)
		if f == nil {
			return nil, fmt.Errorf("awaenqueue: core module lacks export %q", exportPrefix+name)
		}
		in.fns[name] = f
		if p := mod.ExportedFunction("cabi_post_" + exportPrefix + name); p != nil {
			in.posts[name] = p
		}
	}
	return in, nil
}

// call runs an export with flat params and returns its first result.
func (in *instance) call(ctx context.Context, name string, params ...uint64) (uint64, error) {
	f := in.fns[name]
	n := len(f.Definition().ResultTypes())
	if len(params) > n {
		n = len(params)
	}
	if cap(in.stack) < n {
		in.stack = make([]uint64, n)
	}
	stack := in.stack[:n]
	copy(stack, params)
	if err := f.CallWithStack(ctx, stack); err != nil {
		return 0, trapError("%s: %v", name, err)
	}
	return stack[0], nil
}

// post frees what a result area points to; call after everything is copied out.
func (in *instance) post(ctx context.Context, name string, ret uint32) error {
	p := in.posts[name]
	if p == nil {
		return nil
	}
	in.stack[0] = uint64(ret)
	if err := p.CallWithStack(ctx, in.stack[:1]); err != nil {
		return trapError("cabi_post %s: %v", name, err)
	}
	return nil
}

func (in *instance) alloc(ctx context.Context, align, size uint32) (uint32, error) {
	if size == 0 {
		return align, nil // what cabi_realloc returns for size 0
	}
	s := in.stack[:4]
	s[0], s[1], s[2], s[3] = 0, 0, uint64(align), uint64(size)
	if err := in.realloc.CallWithStack(ctx, s); err != nil {
		return 0, trapError("cabi_realloc: %v", err)
	}
	return uint32(s[0]), nil
}

// lowerBytes copies b into a fresh guest allocation (the callee frees it).
func (in *instance) lowerBytes(ctx context.Context, b []byte, align uint32) (ptr, n uint32, err error) {
	ptr, err = in.alloc(ctx, align, uint32(len(b)))
	if err != nil {
		return 0, 0, err
	}
	if len(b) > 0 && !in.mem.Write(ptr, b) {
		return 0, 0, trapError("write out of range")
	}
	return ptr, uint32(len(b)), nil
}

// checkUTF8 runs before anything is allocated, so a rejected call leaks nothing in the guest.
func checkUTF8(field string, s string) error {
	if !utf8.ValidString(s) {
		return &Error{Code: CodeInvalidArgument, Field: field, Message: field + " is not valid UTF-8"}
	}
	return nil
}

func checkOptUTF8(field string, s *string) error {
	if s == nil {
		return nil
	}
	return checkUTF8(field, *s)
}

func checkListUTF8(field string, list []string) error {
	for i, s := range list {
		if err := checkUTF8(fmt.Sprintf("%s[%d]", field, i), s); err != nil {
			return err
		}
	}
	return nil
}

func (j *wireJob) checkUTF8() error {
	for _, err := range []error{
		checkUTF8("kind", j.kind), checkOptUTF8("args", j.args), checkOptUTF8("queue", j.queue),
		checkOptUTF8("run_at", j.runAt), checkOptUTF8("metadata", j.metadata), checkListUTF8("tags", j.tags),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}

// lowerString copies s into the guest; callers have checked it is UTF-8.
func (in *instance) lowerString(ctx context.Context, s, _ string) (uint32, uint32, error) {
	return in.lowerBytes(ctx, []byte(s), 1)
}

func (in *instance) lowerStringList(ctx context.Context, list []string, field string) (uint32, uint32, error) {
	arr := make([]byte, stringSize*len(list))
	for i, s := range list {
		p, n, err := in.lowerString(ctx, s, fmt.Sprintf("%s[%d]", field, i))
		if err != nil {
			return 0, 0, err
		}
		binary.LittleEndian.PutUint32(arr[i*8:], p)
		binary.LittleEndian.PutUint32(arr[i*8+4:], n)
	}
	p, _, err := in.lowerBytes(ctx, arr, 4)
	return p, uint32(len(list)), err
}

// reader decodes a result area copied out of guest memory; strings and lists it points to
// are copied as they are read.
type reader struct {
	in   *instance
	area []byte
	err  error
}

func (in *instance) readArea(ret, size uint32) (*reader, error) {
	v, ok := in.mem.Read(ret, size)
	if !ok {
		return nil, trapError("result area out of range")
	}
	return &reader{in: in, area: append([]byte(nil), v...)}, nil
}

func (r *reader) u8(off uint32) uint8   { return r.area[off] }
func (r *reader) u32(off uint32) uint32 { return binary.LittleEndian.Uint32(r.area[off:]) }
func (r *reader) s16(off uint32) int16  { return int16(binary.LittleEndian.Uint16(r.area[off:])) }
func (r *reader) s32(off uint32) int32  { return int32(r.u32(off)) }
func (r *reader) s64(off uint32) int64  { return int64(binary.LittleEndian.Uint64(r.area[off:])) }

func (r *reader) mem(ptr, n uint32) []byte {
	v, ok := r.in.mem.Read(ptr, n)
	if !ok {
		r.err = trapError("pointer out of range")
		return []byte{}
	}
	out := make([]byte, n)
	copy(out, v)
	return out
}

func (r *reader) str(off uint32) string     { return string(r.mem(r.u32(off), r.u32(off+4))) }
func (r *reader) bytesAt(off uint32) []byte { return r.mem(r.u32(off), r.u32(off+4)) }

func (r *reader) optStr(off uint32) *string {
	if r.u8(off) == 0 {
		return nil
	}
	s := r.str(off + 4)
	return &s
}

func (r *reader) optBytes(off uint32) []byte {
	if r.u8(off) == 0 {
		return nil
	}
	return r.bytesAt(off + 4) // non-nil even when empty
}

// sub reads a record stored elsewhere in guest memory (list elements).
func (r *reader) sub(ptr, size uint32) *reader {
	return &reader{in: r.in, area: r.mem(ptr, size)}
}

func (r *reader) strList(off uint32) []string {
	ptr, n := r.u32(off), r.u32(off+4)
	arr := r.sub(ptr, n*stringSize)
	out := make([]string, n)
	for i := range out {
		out[i] = arr.str(uint32(i) * stringSize)
	}
	if arr.err != nil {
		r.err = arr.err
	}
	return out
}

func (r *reader) wasmError(off uint32) *Error {
	return &Error{Code: r.str(off), Field: r.str(off + 8), Message: r.str(off + 16)}
}

// resultCall calls an export returning result<T, error> (or a bare T when isResult is false)
// through a return area: decode reads the ok payload at payloadOff. Errors become *Error.
func (in *instance) resultCall(ctx context.Context, name string, areaSize, payloadOff uint32, isResult bool,
	decode func(r *reader, off uint32), params ...uint64) error {
	ret64, err := in.call(ctx, name, params...)
	if err != nil {
		return err
	}
	ret := uint32(ret64)
	r, err := in.readArea(ret, areaSize)
	if err != nil {
		return err
	}
	var werr *Error
	if !isResult {
		decode(r, 0)
	} else if r.u8(0) == 0 {
		decode(r, payloadOff)
	} else {
		werr = r.wasmError(payloadOff)
	}
	if r.err != nil {
		return r.err
	}
	if err := in.post(ctx, name, ret); err != nil {
		return err
	}
	if werr != nil {
		return werr
	}
	return nil
}

func boolU64(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// ---- one function per export ----

func (in *instance) contractInfo(ctx context.Context) (c ContractInfo, err error) {
	// record contract { awa-version: string @0, abi-version: u32 @8, min @12, max @16 }, size 20
	err = in.resultCall(ctx, "contract-info", 20, 0, false, func(r *reader, off uint32) {
		c = ContractInfo{AwaVersion: r.str(0), ABIVersion: r.u32(8), MinSchemaVersion: r.s32(12), MaxTestedSchemaVersion: r.s32(16)}
	})
	return c, err
}

// stringResult calls an export returning result<string, error> (area 4+24) or a bare string.
func (in *instance) stringResult(ctx context.Context, name string, isResult bool, params ...uint64) (s string, err error) {
	err = in.resultCall(ctx, name, 4+errorSize, 4, isResult, func(r *reader, off uint32) { s = r.str(off) }, params...)
	return s, err
}

func (in *instance) canonicalJSON(ctx context.Context, json string) (string, error) {
	if err := checkUTF8("json", json); err != nil {
		return "", err
	}
	p, n, err := in.lowerString(ctx, json, "json")
	if err != nil {
		return "", err
	}
	return in.stringResult(ctx, "canonical-json", true, uint64(p), uint64(n))
}

func (in *instance) lowerOptString(ctx context.Context, s *string, field string) (tag, p, n uint64, err error) {
	if s == nil {
		return 0, 0, 0, nil
	}
	p32, n32, err := in.lowerString(ctx, *s, field)
	return 1, uint64(p32), uint64(n32), err
}

func (in *instance) uniqueKey(ctx context.Context, kind string, queue, argsJSON *string, bucket *int64) (key []byte, err error) {
	for _, err := range []error{checkUTF8("kind", kind), checkOptUTF8("queue", queue), checkOptUTF8("args", argsJSON)} {
		if err != nil {
			return nil, err
		}
	}
	kp, kn, err := in.lowerString(ctx, kind, "kind")
	if err != nil {
		return nil, err
	}
	qt, qp, qn, err := in.lowerOptString(ctx, queue, "queue")
	if err != nil {
		return nil, err
	}
	at, ap, an, err := in.lowerOptString(ctx, argsJSON, "args")
	if err != nil {
		return nil, err
	}
	var bt, bv uint64
	if bucket != nil {
		bt, bv = 1, api.EncodeI64(*bucket)
	}
	err = in.resultCall(ctx, "unique-key", 4+errorSize, 4, true, func(r *reader, off uint32) { key = r.bytesAt(off) },
		uint64(kp), uint64(kn), qt, qp, qn, at, ap, an, bt, bv)
	return key, err
}

func (in *instance) uniqueStatesBits(ctx context.Context, mask uint8) (string, error) {
	return in.stringResult(ctx, "unique-states-bits", false, uint64(mask))
}

func (in *instance) uniqueStatesMask(ctx context.Context, states []string) (mask uint8, err error) {
	if err := checkListUTF8("unique.states", states); err != nil {
		return 0, err
	}
	p, n, err := in.lowerStringList(ctx, states, "unique.states")
	if err != nil {
		return 0, err
	}
	err = in.resultCall(ctx, "unique-states-mask", 4+errorSize, 4, true, func(r *reader, off uint32) { mask = r.u8(off) },
		uint64(p), uint64(n))
	return mask, err
}

func (in *instance) periodBucket(ctx context.Context, epochSeconds, periodSeconds int64) (b int64, err error) {
	// result<s64, error>: payload aligned to 8
	err = in.resultCall(ctx, "period-bucket", 8+errorSize, 8, true, func(r *reader, off uint32) { b = r.s64(off) },
		api.EncodeI64(epochSeconds), api.EncodeI64(periodSeconds))
	return b, err
}

func (in *instance) bytesCall(ctx context.Context, name string, key []byte, extra ...uint64) (uint64, error) {
	p, n, err := in.lowerBytes(ctx, key, 1)
	if err != nil {
		return 0, err
	}
	return in.call(ctx, name, append([]uint64{uint64(p), uint64(n)}, extra...)...)
}

func (in *instance) orderingKeyHash64(ctx context.Context, key []byte) (uint64, error) {
	return in.bytesCall(ctx, "ordering-key-hash64", key)
}

func (in *instance) partitionHash64(ctx context.Context, key []byte) (uint64, error) {
	return in.bytesCall(ctx, "partition-hash64", key)
}

func (in *instance) shardForOrderingKey(ctx context.Context, key []byte, shards int16) (int16, error) {
	v, err := in.bytesCall(ctx, "shard-for-ordering-key", key, uint64(uint32(int32(shards))))
	return int16(uint32(v)), err
}

func (in *instance) partitionForKey(ctx context.Context, logicalQueue string, partitions uint32, key []byte) (p Partition, err error) {
	if err := checkUTF8("queue", logicalQueue); err != nil {
		return p, err
	}
	qp, qn, err := in.lowerString(ctx, logicalQueue, "queue")
	if err != nil {
		return p, err
	}
	kp, kn, err := in.lowerBytes(ctx, key, 1)
	if err != nil {
		return p, err
	}
	// record partition { index: u32 @0, queue: string @4 }
	err = in.resultCall(ctx, "partition-for-key", 4+errorSize, 4, true, func(r *reader, off uint32) {
		p = Partition{Index: r.u32(off), Queue: r.str(off + 4)}
	}, uint64(qp), uint64(qn), uint64(partitions), uint64(kp), uint64(kn))
	return p, err
}

func (in *instance) kindFromTypeName(ctx context.Context, name string) (string, error) {
	if err := checkUTF8("name", name); err != nil {
		return "", err
	}
	p, n, err := in.lowerString(ctx, name, "name")
	if err != nil {
		return "", err
	}
	return in.stringResult(ctx, "kind-from-type-name", false, uint64(p), uint64(n))
}

func (in *instance) defaultUniqueOpts(ctx context.Context) (u UniqueOpts, err error) {
	err = in.resultCall(ctx, "default-unique-opts", uniqueOptsSize, 0, false, func(r *reader, _ uint32) {
		u = UniqueOpts{ByQueue: r.u8(uniqueByQueue) != 0, ByArgs: r.u8(uniqueByArgs) != 0, States: r.u8(uniqueStates)}
		if r.u8(uniqueByPeriod) != 0 {
			p := r.s64(uniqueByPeriod + 8)
			u.ByPeriod = &p
		}
	})
	return u, err
}

func (in *instance) insertSQL(ctx context.Context) (string, error) {
	return in.stringResult(ctx, "insert-sql", false)
}

func (in *instance) insertManySQL(ctx context.Context, rows uint32) (string, error) {
	return in.stringResult(ctx, "insert-many-sql", true, uint64(rows))
}

func (in *instance) schemaCheckSQL(ctx context.Context) (string, error) {
	return in.stringResult(ctx, "schema-check-sql", false)
}

func (in *instance) checkSchema(ctx context.Context, version *int32, functionArguments *string) (s SchemaStatus, err error) {
	if err := checkOptUTF8("function_arguments", functionArguments); err != nil {
		return s, err
	}
	var vt, vv uint64
	if version != nil {
		vt, vv = 1, uint64(uint32(*version))
	}
	ft, fp, fn, err := in.lowerOptString(ctx, functionArguments, "function_arguments")
	if err != nil {
		return s, err
	}
	// record schema-status { schema-version: s32 @0, tested: bool @4 }
	err = in.resultCall(ctx, "check-schema", 4+errorSize, 4, true, func(r *reader, off uint32) {
		s = SchemaStatus{SchemaVersion: r.s32(off), Tested: r.u8(off+4) != 0}
	}, vt, vv, ft, fp, fn)
	return s, err
}

// writeJob lowers one job into rec (jobSize bytes), allocating its strings and lists.
func (in *instance) writeJob(ctx context.Context, rec []byte, j *wireJob) error {
	le := binary.LittleEndian
	putStr := func(off uint32, s, field string) error {
		p, n, err := in.lowerString(ctx, s, field)
		le.PutUint32(rec[off:], p)
		le.PutUint32(rec[off+4:], n)
		return err
	}
	putOptStr := func(off uint32, s *string, field string) error {
		if s == nil {
			return nil
		}
		rec[off] = 1
		return putStr(off+4, *s, field)
	}
	putOptS32 := func(off uint32, v *int32) {
		if v != nil {
			rec[off] = 1
			le.PutUint32(rec[off+4:], uint32(*v))
		}
	}
	if err := putStr(jobKind, j.kind, "kind"); err != nil {
		return err
	}
	if err := putOptStr(jobArgs, j.args, "args"); err != nil {
		return err
	}
	if err := putOptStr(jobQueue, j.queue, "queue"); err != nil {
		return err
	}
	putOptS32(jobPriority, j.priority)
	putOptS32(jobMaxAttempts, j.maxAttempts)
	if err := putOptStr(jobRunAt, j.runAt, "run_at"); err != nil {
		return err
	}
	if err := putOptStr(jobMetadata, j.metadata, "metadata"); err != nil {
		return err
	}
	tp, tn, err := in.lowerStringList(ctx, j.tags, "tags")
	if err != nil {
		return err
	}
	le.PutUint32(rec[jobTags:], tp)
	le.PutUint32(rec[jobTags+4:], tn)
	if u := j.unique; u != nil {
		o := uint32(jobUnique + 8)
		rec[jobUnique] = 1
		rec[o+uniqueByQueue] = byte(boolU64(u.ByQueue))
		rec[o+uniqueByArgs] = byte(boolU64(u.ByArgs))
		if u.ByPeriod != nil {
			rec[o+uniqueByPeriod] = 1
			le.PutUint64(rec[o+uniqueByPeriod+8:], uint64(*u.ByPeriod))
		}
		rec[o+uniqueStates] = u.States
	}
	if j.orderingKey != nil {
		p, n, err := in.lowerBytes(ctx, j.orderingKey, 1)
		if err != nil {
			return err
		}
		rec[jobOrderingKey] = 1
		le.PutUint32(rec[jobOrderingKey+4:], p)
		le.PutUint32(rec[jobOrderingKey+8:], n)
	}
	return nil
}

func readPrepared(r *reader, off uint32) Prepared {
	return Prepared{
		Kind:         r.str(off + prepKind),
		Queue:        r.str(off + prepQueue),
		ArgsJSON:     r.str(off + prepArgs),
		State:        r.str(off + prepState),
		Priority:     r.s16(off + prepPriority),
		MaxAttempts:  r.s16(off + prepMaxAttempts),
		RunAt:        r.optStr(off + prepRunAt),
		MetadataJSON: r.str(off + prepMetadata),
		Tags:         r.strList(off + prepTags),
		UniqueKey:    r.optBytes(off + prepUniqueKey),
		UniqueStates: r.optStr(off + prepUniqueStates),
		OrderingKey:  r.optBytes(off + prepOrderingKey),
	}
}

func (in *instance) prepare(ctx context.Context, j *wireJob) (p Prepared, err error) {
	if err := j.checkUTF8(); err != nil {
		return p, err
	}
	rec := make([]byte, jobSize)
	if err := in.writeJob(ctx, rec, j); err != nil {
		return p, err
	}
	ptr, _, err := in.lowerBytes(ctx, rec, jobAlign)
	if err != nil {
		return p, err
	}
	err = in.resultCall(ctx, "prepare", 4+preparedSize, 4, true, func(r *reader, off uint32) { p = readPrepared(r, off) },
		uint64(ptr))
	return p, err
}

func (in *instance) prepareMany(ctx context.Context, jobs []wireJob) (out []Prepared, err error) {
	for i := range jobs {
		if err := jobs[i].checkUTF8(); err != nil {
			var e *Error
			if errors.As(err, &e) {
				e.Field = fmt.Sprintf("jobs[%d].%s", i, e.Field)
			}
			return nil, err
		}
	}
	arr := make([]byte, jobSize*len(jobs))
	for i := range jobs {
		if err := in.writeJob(ctx, arr[i*jobSize:(i+1)*jobSize], &jobs[i]); err != nil {
			return nil, err
		}
	}
	ptr, _, err := in.lowerBytes(ctx, arr, jobAlign)
	if err != nil {
		return nil, err
	}
	err = in.resultCall(ctx, "prepare-many", 4+errorSize, 4, true, func(r *reader, off uint32) {
		lp, ln := r.u32(off), r.u32(off+4)
		items := r.sub(lp, ln*preparedSize)
		out = make([]Prepared, ln)
		for i := range out {
			out[i] = readPrepared(items, uint32(i)*preparedSize)
		}
		if items.err != nil {
			r.err = items.err
		}
	}, uint64(ptr), uint64(len(jobs)))
	return out, err
}
