package awaenqueue

// Canonical-ABI glue for the exports of wit/awa-enqueue.wit (interface core). Every export
// name, flat signature, return area, record size, alignment and field/payload offset comes
// from package internal/abi, generated from the WIT by wit/codegen (scripts/build-wasm.sh).
// This file holds a small generic reader and writer plus one short function per export.
//
// Calling convention (canonical ABI, as wit-bindgen's guest implements it): strings and lists
// passed in are copied into memory allocated with cabi_realloc and owned (freed) by the
// callee; a params record too wide to flatten (abi.Export.IndirectParams) is written into
// guest memory and passed by pointer; a result in a return area is copied out, then released
// with the export's post-return function before the next call.

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"

	"github.com/tetratelabs/wazero/api"

	"github.com/awa-enqueue/awa-enqueue/go-example/internal/abi"
)

// The canonical ABI's own representation rules (not layouts of WIT types): a string or a list
// is a little-endian u32 pointer followed by a u32 length; an option, result or bool starts
// with a u8 (0 = none / ok / false).
const (
	ptrSize     = 4
	stringSize  = 2 * ptrSize
	stringAlign = ptrSize
)

// reallocParams/Results is cabi_realloc's signature: (old ptr, old size, align, new size) -> ptr.
const (
	reallocParams  = "i32,i32,i32,i32"
	reallocResults = "i32"
)

// errTrap marks a call that trapped; the instance that made it is discarded.
var errTrap = errors.New("awaenqueue: wasm call trapped")

// trapError is the *Error (module_trap) of a trapped call; errors.Is(err, errTrap) holds.
func trapError(format string, args ...any) error {
	return &Error{Code: CodeModuleTrap, Message: "core module trapped: " + fmt.Sprintf(format, args...), cause: errTrap}
}

func abiMismatch(format string, args ...any) error {
	return &Error{Code: CodeABIMismatch, Message: fmt.Sprintf(format, args...)}
}

// wireError is the WIT error record: a code, a field in the contract's spelling, a message.
type wireError struct{ code, field, message string }

type instance struct {
	mod     api.Module
	mem     api.Memory
	realloc api.Function
	fns     map[string]api.Function // by abi.Export.Name
	posts   map[string]api.Function // by abi.Export.Name
	stack   []uint64
	// traceContext: jobs without a Traceparent take the context's span (WithTraceContext)
	traceContext bool
}

func signature(types []api.ValueType) string {
	names := make([]string, len(types))
	for i, t := range types {
		names[i] = api.ValueTypeName(t)
	}
	return strings.Join(names, ",")
}

// exported finds a function export with exactly the given flat signature.
func exported(mod api.Module, name, params, results string) (api.Function, error) {
	f := mod.ExportedFunction(name)
	if f == nil {
		return nil, abiMismatch("the core module lacks export %q", name)
	}
	d := f.Definition()
	if p, r := signature(d.ParamTypes()), signature(d.ResultTypes()); p != params || r != results {
		return nil, abiMismatch("core export %q is (%s) -> (%s); this package needs (%s) -> (%s)", name, p, r, params, results)
	}
	return f, nil
}

// newInstance checks that mod carries every export of abi.All (and its post-return) with the
// generated flat signature; otherwise it refuses with abi_mismatch.
func newInstance(mod api.Module) (*instance, error) {
	in := &instance{mod: mod, mem: mod.Memory(), fns: map[string]api.Function{}, posts: map[string]api.Function{}}
	if in.mem == nil {
		return nil, abiMismatch("the core module exports no memory")
	}
	var err error
	if in.realloc, err = exported(mod, "cabi_realloc", reallocParams, reallocResults); err != nil {
		return nil, err
	}
	depth := 4 // cabi_realloc's params
	for _, e := range abi.All {
		if in.fns[e.Name], err = exported(mod, e.Name, e.Params, e.Results); err != nil {
			return nil, err
		}
		if e.Post != "" {
			// a post-return takes the export's flat results and returns nothing
			if in.posts[e.Name], err = exported(mod, e.Post, e.Results, ""); err != nil {
				return nil, err
			}
		}
		d := in.fns[e.Name].Definition()
		depth = max(depth, len(d.ParamTypes()), len(d.ResultTypes()))
	}
	in.stack = make([]uint64, depth)
	return in, nil
}

// call runs export e with flat params and returns its first flat result.
func (in *instance) call(ctx context.Context, e abi.Export, params ...uint64) (uint64, error) {
	f := in.fns[e.Name]
	stack := in.stack[:max(len(params), 1)]
	copy(stack, params)
	if err := f.CallWithStack(ctx, stack); err != nil {
		return 0, trapError("%s: %v", e.Name, err)
	}
	return stack[0], nil
}

// areaCall runs e, whose result lives in a return area: decode copies out what it needs,
// then the post-return frees what the area points to.
func (in *instance) areaCall(ctx context.Context, e abi.Export, decode func(r *reader), params ...uint64) error {
	ret64, err := in.call(ctx, e, params...)
	if err != nil {
		return err
	}
	ret := uint32(ret64)
	if e.RetAlign == 0 || ret%e.RetAlign != 0 {
		return trapError("%s: misaligned return area %#x", e.Name, ret)
	}
	r := in.read(ret, e.RetSize)
	if r.err == nil {
		decode(r)
	}
	if r.err != nil {
		return r.err
	}
	if p := in.posts[e.Name]; p != nil {
		in.stack[0] = uint64(ret)
		if err := p.CallWithStack(ctx, in.stack[:1]); err != nil {
			return trapError("%s: %v", e.Post, err)
		}
	}
	return nil
}

// resultCall runs e, which returns result<T, error> with both payloads at offset payload:
// ok decodes T; an error becomes an *Error.
func (in *instance) resultCall(ctx context.Context, e abi.Export, payload uint32, ok func(r *reader, off uint32), params ...uint64) error {
	var failed *wireError
	err := in.areaCall(ctx, e, func(r *reader) {
		switch tag := r.u8(0); tag {
		case 0:
			ok(r, payload)
		case 1:
			we := r.wireError(payload)
			failed = &we
		default:
			r.fail("%s: result discriminant %d", e.Name, tag)
		}
	}, params...)
	if err != nil {
		return err
	}
	if failed != nil {
		return in.toError(ctx, *failed)
	}
	return nil
}

// toError makes the public *Error of a WIT error: Field in Go's spelling from the core's
// field-name, ContractField as the core gave it.
func (in *instance) toError(ctx context.Context, we wireError) error {
	e := &Error{Code: we.code, ContractField: we.field, Message: we.message}
	if we.field != "" {
		var err error
		if e.Field, err = in.fieldName(ctx, we.field, abi.FieldStyleGo); err != nil {
			return err
		}
	}
	return e
}

// batchError is toError for a host-side error about job i of a batch: the core's
// within-batch adds the jobs[i] prefix.
func (in *instance) batchError(ctx context.Context, i int, we wireError) error {
	we, err := in.withinBatch(ctx, uint32(i), we)
	if err != nil {
		return err
	}
	return in.toError(ctx, we)
}

// ---- reader: values copied out of guest memory ----

type reader struct {
	mem  api.Memory
	area []byte
	err  error
}

// read copies size bytes at ptr.
func (in *instance) read(ptr, size uint32) *reader {
	r := &reader{mem: in.mem}
	r.area = r.copyOut(ptr, uint64(size))
	return r
}

func (r *reader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = trapError(format, args...)
	}
}

func (r *reader) copyOut(ptr uint32, n uint64) []byte {
	if n > uint64(r.mem.Size()) {
		r.fail("%d bytes at %#x are out of range", n, ptr)
		return make([]byte, 0)
	}
	v, ok := r.mem.Read(ptr, uint32(n))
	if !ok {
		r.fail("%d bytes at %#x are out of range", n, ptr)
		return make([]byte, 0)
	}
	return append(make([]byte, 0, n), v...)
}

func (r *reader) at(off, n uint32) []byte {
	if uint64(off)+uint64(n) > uint64(len(r.area)) {
		r.fail("offset %d+%d past a %d-byte area", off, n, len(r.area))
		return make([]byte, 8)
	}
	return r.area[off : off+n]
}

func (r *reader) u8(off uint32) uint8   { return r.at(off, 1)[0] }
func (r *reader) u32(off uint32) uint32 { return binary.LittleEndian.Uint32(r.at(off, 4)) }
func (r *reader) s16(off uint32) int16  { return int16(binary.LittleEndian.Uint16(r.at(off, 2))) }
func (r *reader) s32(off uint32) int32  { return int32(r.u32(off)) }
func (r *reader) s64(off uint32) int64  { return int64(binary.LittleEndian.Uint64(r.at(off, 8))) }

func (r *reader) boolean(off uint32) bool { return r.flag(off, "bool") }

// flag reads a bool or an option/result discriminant (0 or 1).
func (r *reader) flag(off uint32, what string) bool {
	switch v := r.u8(off); v {
	case 0:
		return false
	case 1:
		return true
	default:
		r.fail("%s byte %d at offset %d", what, v, off)
		return false
	}
}

// bytes reads a list<u8> (never nil).
func (r *reader) bytes(off uint32) []byte { return r.copyOut(r.u32(off), uint64(r.u32(off+ptrSize))) }

func (r *reader) str(off uint32) string { return string(r.bytes(off)) }

func (r *reader) optStr(tag, payload uint32) *string {
	if !r.flag(tag, "option") {
		return nil
	}
	s := r.str(payload)
	return &s
}

func (r *reader) optBytes(tag, payload uint32) []byte {
	if !r.flag(tag, "option") {
		return nil
	}
	return r.bytes(payload) // non-nil even when empty
}

// list reads the elements of a list (elemSize bytes each) as one area, and their count.
func (r *reader) list(off, elemSize uint32) (*reader, int) {
	ptr, n := r.u32(off), r.u32(off+ptrSize)
	items := &reader{mem: r.mem}
	items.area = items.copyOut(ptr, uint64(n)*uint64(elemSize))
	if items.err != nil {
		r.fail("%v", items.err)
		return items, 0
	}
	return items, int(n)
}

// strList reads a list<string> whose elements are elemSize bytes.
func (r *reader) strList(off, elemSize uint32) []string {
	items, n := r.list(off, elemSize)
	out := make([]string, n)
	for i := range out {
		out[i] = items.str(uint32(i) * elemSize)
	}
	if items.err != nil {
		r.fail("%v", items.err)
	}
	return out
}

func (r *reader) wireError(off uint32) wireError {
	return wireError{code: r.str(off + abi.ErrorCode), field: r.str(off + abi.ErrorField), message: r.str(off + abi.ErrorMessage)}
}

// ---- writer: values lowered into guest memory ----

// writer builds a record area in Go memory (copied into the guest by finish) and lowers the
// strings and lists it points to as it goes.
type writer struct {
	in  *instance
	ctx context.Context
	buf []byte
	err error
}

func (in *instance) writer(ctx context.Context, size uint32) *writer {
	return &writer{in: in, ctx: ctx, buf: make([]byte, size)}
}

func (w *writer) alloc(align, size uint32) uint32 {
	if w.err != nil {
		return 0
	}
	if size == 0 {
		return align // what cabi_realloc returns for size 0: nothing to free
	}
	s := w.in.stack[:4]
	s[0], s[1], s[2], s[3] = 0, 0, uint64(align), uint64(size)
	if err := w.in.realloc.CallWithStack(w.ctx, s); err != nil {
		w.err = trapError("cabi_realloc: %v", err)
		return 0
	}
	return uint32(s[0])
}

// lowerString copies s into a fresh guest allocation (strings must be valid UTF-8).
func (w *writer) lowerString(s string) (ptr, n uint32) {
	ptr = w.alloc(1, uint32(len(s)))
	if w.err == nil && len(s) > 0 && !w.in.mem.WriteString(ptr, s) {
		w.err = trapError("write of %d bytes at %#x out of range", len(s), ptr)
	}
	return ptr, uint32(len(s))
}

func (w *writer) lowerBytes(b []byte, align uint32) (ptr, n uint32) {
	ptr = w.alloc(align, uint32(len(b)))
	if w.err == nil && len(b) > 0 && !w.in.mem.Write(ptr, b) {
		w.err = trapError("write of %d bytes at %#x out of range", len(b), ptr)
	}
	return ptr, uint32(len(b))
}

// lowerStrings lowers a list<string> with elements elemSize bytes, aligned to align.
func (w *writer) lowerStrings(list []string, elemSize, align uint32) (ptr, n uint32) {
	arr := make([]byte, uint32(len(list))*elemSize)
	for i, s := range list {
		p, l := w.lowerString(s)
		binary.LittleEndian.PutUint32(arr[uint32(i)*elemSize:], p)
		binary.LittleEndian.PutUint32(arr[uint32(i)*elemSize+ptrSize:], l)
	}
	ptr, _ = w.lowerBytes(arr, align)
	return ptr, uint32(len(list))
}

func (w *writer) u8(off uint32, v uint8)   { w.buf[off] = v }
func (w *writer) u32(off uint32, v uint32) { binary.LittleEndian.PutUint32(w.buf[off:], v) }
func (w *writer) s64(off uint32, v int64)  { binary.LittleEndian.PutUint64(w.buf[off:], uint64(v)) }

func (w *writer) boolean(off uint32, v bool) {
	if v {
		w.buf[off] = 1
	}
}

func (w *writer) pair(off, ptr, n uint32) {
	w.u32(off, ptr)
	w.u32(off+ptrSize, n)
}

func (w *writer) str(off uint32, s string) {
	p, n := w.lowerString(s)
	w.pair(off, p, n)
}

func (w *writer) optStr(tag, payload uint32, s *string) {
	if s != nil {
		w.u8(tag, 1)
		w.str(payload, *s)
	}
}

// optBytes writes an option<list<u8>>: nil is none.
func (w *writer) optBytes(tag, payload uint32, b []byte) {
	if b != nil {
		w.u8(tag, 1)
		p, n := w.lowerBytes(b, 1)
		w.pair(payload, p, n)
	}
}

func (w *writer) optS64(tag, payload uint32, v *int64) {
	if v != nil {
		w.u8(tag, 1)
		w.s64(payload, *v)
	}
}

func (w *writer) strList(off uint32, list []string, elemSize, align uint32) {
	p, n := w.lowerStrings(list, elemSize, align)
	w.pair(off, p, n)
}

// finish copies the record area into the guest and returns its pointer.
func (w *writer) finish(align uint32) (uint32, error) {
	ptr, _ := w.lowerBytes(w.buf, align)
	return ptr, w.err
}

// flatString lowers a string param: its two flat values.
func (w *writer) flatString(s string) (uint64, uint64) {
	p, n := w.lowerString(s)
	return uint64(p), uint64(n)
}

// flatOptString lowers an option<string> param: its three flat values.
func (w *writer) flatOptString(s *string) (tag, p, n uint64) {
	if s == nil {
		return 0, 0, 0
	}
	p, n = w.flatString(*s)
	return 1, p, n
}

func (w *writer) flatBytes(b []byte) (uint64, uint64) {
	p, n := w.lowerBytes(b, 1)
	return uint64(p), uint64(n)
}

// ---- the job and prepared records ----

// writeJob writes job j as a WIT job record at base.
func (w *writer) writeJob(base uint32, j *wireJob) {
	w.str(base+abi.JobKind, j.kind)
	w.optStr(base+abi.JobArgsJSON, base+abi.JobArgsJSONPayload, j.args)
	w.optStr(base+abi.JobQueue, base+abi.JobQueuePayload, j.queue)
	w.optS64(base+abi.JobPriority, base+abi.JobPriorityPayload, j.priority)
	w.optS64(base+abi.JobMaxAttempts, base+abi.JobMaxAttemptsPayload, j.maxAttempts)
	w.optStr(base+abi.JobRunAt, base+abi.JobRunAtPayload, j.runAt)
	if t := j.runAtTime; t != nil {
		w.u8(base+abi.JobRunAtTime, 1)
		w.s64(base+abi.JobRunAtTimePayload+abi.TimestampSeconds, t.seconds)
		w.u32(base+abi.JobRunAtTimePayload+abi.TimestampNanos, t.nanos)
	}
	w.optStr(base+abi.JobMetadataJSON, base+abi.JobMetadataJSONPayload, j.metadata)
	w.strList(base+abi.JobTags, j.tags, abi.JobTagsElemSize, abi.JobTagsElemAlign)
	if u := j.unique; u != nil {
		w.u8(base+abi.JobUnique, 1)
		o := base + abi.JobUniquePayload
		w.u8(o+abi.UniqueOptsByQueue, 1)
		w.boolean(o+abi.UniqueOptsByQueuePayload, u.ByQueue)
		w.u8(o+abi.UniqueOptsByArgs, 1)
		w.boolean(o+abi.UniqueOptsByArgsPayload, u.ByArgs)
		w.optS64(o+abi.UniqueOptsByPeriod, o+abi.UniqueOptsByPeriodPayload, u.ByPeriod)
		if u.StatesMask != nil {
			w.u8(o+abi.UniqueOptsStates, 1)
			w.u8(o+abi.UniqueOptsStatesPayload, *u.StatesMask)
		}
		if j.stateNames != nil {
			w.u8(o+abi.UniqueOptsStateNames, 1)
			w.strList(o+abi.UniqueOptsStateNamesPayload, j.stateNames, stringSize, stringAlign)
		}
	}
	w.optBytes(base+abi.JobOrderingKey, base+abi.JobOrderingKeyPayload, j.orderingKey)
	w.optStr(base+abi.JobTraceparent, base+abi.JobTraceparentPayload, j.traceparent)
}

// writeJobs lowers a list<job>: (ptr, len).
func (in *instance) writeJobs(ctx context.Context, jobs []wireJob) (uint64, uint64, error) {
	w := in.writer(ctx, uint32(len(jobs))*abi.JobSize)
	for i := range jobs {
		w.writeJob(uint32(i)*abi.JobSize, &jobs[i])
	}
	ptr, err := w.finish(abi.JobAlign)
	return uint64(ptr), uint64(len(jobs)), err
}

func readPrepared(r *reader, off uint32) Prepared {
	p := Prepared{
		Kind:         r.str(off + abi.PreparedKind),
		Queue:        r.str(off + abi.PreparedQueue),
		ArgsJSON:     r.str(off + abi.PreparedArgsJSON),
		State:        r.str(off + abi.PreparedState),
		Priority:     r.s16(off + abi.PreparedPriority),
		MaxAttempts:  r.s16(off + abi.PreparedMaxAttempts),
		RunAt:        r.optStr(off+abi.PreparedRunAt, off+abi.PreparedRunAtPayload),
		MetadataJSON: r.str(off + abi.PreparedMetadataJSON),
		Tags:         r.strList(off+abi.PreparedTags, abi.PreparedTagsElemSize),
		UniqueKey:    r.optBytes(off+abi.PreparedUniqueKey, off+abi.PreparedUniqueKeyPayload),
		UniqueStates: r.optStr(off+abi.PreparedUniqueStates, off+abi.PreparedUniqueStatesPayload),
		OrderingKey:  r.optBytes(off+abi.PreparedOrderingKey, off+abi.PreparedOrderingKeyPayload),
	}
	items, n := r.list(off+abi.PreparedBinds, abi.PreparedBindsElemSize)
	p.binds = make([]any, n)
	for i := range p.binds {
		at := uint32(i) * abi.PreparedBindsElemSize
		if s := items.optStr(at, at+abi.PreparedBindsElemPayload); s != nil {
			p.binds[i] = *s
		}
	}
	if items.err != nil {
		r.fail("%v", items.err)
	}
	return p
}

// ---- one function per export ----

func (in *instance) contractInfo(ctx context.Context) (c ContractInfo, err error) {
	err = in.areaCall(ctx, abi.ContractInfo, func(r *reader) {
		c = ContractInfo{AwaVersion: r.str(abi.ContractAwaVersion), ABIVersion: r.u32(abi.ContractABIVersion),
			MinSchemaVersion: r.s32(abi.ContractMinSchemaVersion), MaxTestedSchemaVersion: r.s32(abi.ContractMaxTestedSchemaVersion)}
	})
	return c, err
}

// stringCall runs an export that returns a bare string.
func (in *instance) stringCall(ctx context.Context, e abi.Export, params ...uint64) (s string, err error) {
	err = in.areaCall(ctx, e, func(r *reader) { s = r.str(0) }, params...)
	return s, err
}

func (in *instance) canonicalJSON(ctx context.Context, json string) (s string, err error) {
	w := in.writer(ctx, 0)
	p, n := w.flatString(json)
	if w.err != nil {
		return "", w.err
	}
	err = in.resultCall(ctx, abi.CanonicalJSON, abi.CanonicalJSONResultPayload, func(r *reader, off uint32) { s = r.str(off) }, p, n)
	return s, err
}

func (in *instance) uniqueKey(ctx context.Context, kind string, queue, argsJSON *string, bucket *int64) (key []byte, err error) {
	w := in.writer(ctx, 0)
	kp, kn := w.flatString(kind)
	qt, qp, qn := w.flatOptString(queue)
	at, ap, an := w.flatOptString(argsJSON)
	var bt, bv uint64
	if bucket != nil {
		bt, bv = 1, api.EncodeI64(*bucket)
	}
	if w.err != nil {
		return nil, w.err
	}
	err = in.resultCall(ctx, abi.UniqueKey, abi.UniqueKeyResultPayload, func(r *reader, off uint32) { key = r.bytes(off) },
		kp, kn, qt, qp, qn, at, ap, an, bt, bv)
	return key, err
}

func (in *instance) uniqueStatesBits(ctx context.Context, mask uint8) (string, error) {
	return in.stringCall(ctx, abi.UniqueStatesBits, uint64(mask))
}

func (in *instance) uniqueStatesMask(ctx context.Context, states []string) (mask uint8, err error) {
	w := in.writer(ctx, 0)
	p, n := w.lowerStrings(states, stringSize, stringAlign)
	if w.err != nil {
		return 0, w.err
	}
	err = in.resultCall(ctx, abi.UniqueStatesMask, abi.UniqueStatesMaskResultPayload, func(r *reader, off uint32) { mask = r.u8(off) },
		uint64(p), uint64(n))
	return mask, err
}

func (in *instance) periodBucket(ctx context.Context, epochSeconds, periodSeconds int64) (b int64, err error) {
	err = in.resultCall(ctx, abi.PeriodBucket, abi.PeriodBucketResultPayload, func(r *reader, off uint32) { b = r.s64(off) },
		api.EncodeI64(epochSeconds), api.EncodeI64(periodSeconds))
	return b, err
}

func (in *instance) keyCall(ctx context.Context, e abi.Export, key []byte, extra ...uint64) (uint64, error) {
	w := in.writer(ctx, 0)
	p, n := w.flatBytes(key)
	if w.err != nil {
		return 0, w.err
	}
	return in.call(ctx, e, append([]uint64{p, n}, extra...)...)
}

func (in *instance) orderingKeyHash64(ctx context.Context, key []byte) (uint64, error) {
	return in.keyCall(ctx, abi.OrderingKeyHash64, key)
}

func (in *instance) partitionHash64(ctx context.Context, key []byte) (uint64, error) {
	return in.keyCall(ctx, abi.PartitionHash64, key)
}

func (in *instance) shardForOrderingKey(ctx context.Context, key []byte, shards int16) (int16, error) {
	v, err := in.keyCall(ctx, abi.ShardForOrderingKey, key, uint64(uint32(int32(shards))))
	return int16(int32(uint32(v))), err
}

func (in *instance) partitionForKey(ctx context.Context, logicalQueue string, partitions uint32, key []byte) (p Partition, err error) {
	w := in.writer(ctx, 0)
	qp, qn := w.flatString(logicalQueue)
	kp, kn := w.flatBytes(key)
	if w.err != nil {
		return p, w.err
	}
	err = in.resultCall(ctx, abi.PartitionForKey, abi.PartitionForKeyResultPayload, func(r *reader, off uint32) {
		p = Partition{Index: r.u32(off + abi.PartitionIndex), Queue: r.str(off + abi.PartitionQueue)}
	}, qp, qn, uint64(partitions), kp, kn)
	return p, err
}

func (in *instance) kindFromTypeName(ctx context.Context, name string) (string, error) {
	w := in.writer(ctx, 0)
	p, n := w.flatString(name)
	if w.err != nil {
		return "", w.err
	}
	return in.stringCall(ctx, abi.KindFromTypeName, p, n)
}

func (in *instance) prepare(ctx context.Context, j *wireJob) (p Prepared, err error) {
	w := in.writer(ctx, abi.JobSize)
	w.writeJob(0, j)
	ptr, err := w.finish(abi.JobAlign)
	if err != nil {
		return p, err
	}
	err = in.resultCall(ctx, abi.Prepare, abi.PrepareResultPayload, func(r *reader, off uint32) { p = readPrepared(r, off) }, uint64(ptr))
	return p, err
}

func (in *instance) prepareMany(ctx context.Context, jobs []wireJob) (out []Prepared, err error) {
	ptr, n, err := in.writeJobs(ctx, jobs)
	if err != nil {
		return nil, err
	}
	err = in.resultCall(ctx, abi.PrepareMany, abi.PrepareManyResultPayload, func(r *reader, off uint32) {
		items, n := r.list(off, abi.PreparedSize)
		out = make([]Prepared, n)
		for i := range out {
			out[i] = readPrepared(items, uint32(i)*abi.PreparedSize)
		}
		if items.err != nil {
			r.fail("%v", items.err)
		}
	}, ptr, n)
	return out, err
}

func (in *instance) insertManyBinds(ctx context.Context, jobs []wireJob) (binds []string, err error) {
	ptr, n, err := in.writeJobs(ctx, jobs)
	if err != nil {
		return nil, err
	}
	err = in.resultCall(ctx, abi.InsertManyBinds, abi.InsertManyBindsResultPayload, func(r *reader, off uint32) {
		binds = r.strList(off, stringSize)
	}, ptr, n)
	return binds, err
}

func (in *instance) insertSQL(ctx context.Context) (string, error) {
	return in.stringCall(ctx, abi.InsertSQL, abi.PlaceholdersDollar)
}

func (in *instance) tryInsertSQL(ctx context.Context) (string, error) {
	return in.stringCall(ctx, abi.TryInsertSQL, abi.PlaceholdersDollar)
}

func (in *instance) existingJobSQL(ctx context.Context) (string, error) {
	return in.stringCall(ctx, abi.ExistingJobSQL, abi.PlaceholdersDollar)
}

func (in *instance) insertManySQL(ctx context.Context) (string, error) {
	return in.stringCall(ctx, abi.InsertManySQL, abi.PlaceholdersDollar)
}

func (in *instance) schemaCheckSQL(ctx context.Context) (string, error) {
	return in.stringCall(ctx, abi.SchemaCheckSQL)
}

func (in *instance) checkSchema(ctx context.Context, version *int32, functionArguments *string) (s SchemaStatus, err error) {
	var vt, vv uint64
	if version != nil {
		vt, vv = 1, uint64(uint32(*version))
	}
	w := in.writer(ctx, 0)
	ft, fp, fn := w.flatOptString(functionArguments)
	if w.err != nil {
		return s, w.err
	}
	err = in.resultCall(ctx, abi.CheckSchema, abi.CheckSchemaResultPayload, func(r *reader, off uint32) {
		s = SchemaStatus{SchemaVersion: r.s32(off + abi.SchemaStatusSchemaVersion), Tested: r.boolean(off + abi.SchemaStatusTested)}
	}, vt, vv, ft, fp, fn)
	return s, err
}

func (in *instance) fieldName(ctx context.Context, field string, style uint64) (string, error) {
	w := in.writer(ctx, 0)
	p, n := w.flatString(field)
	if w.err != nil {
		return "", w.err
	}
	return in.stringCall(ctx, abi.FieldName, p, n, style)
}

func (in *instance) withinBatch(ctx context.Context, index uint32, e wireError) (out wireError, err error) {
	w := in.writer(ctx, 0)
	cp, cn := w.flatString(e.code)
	fp, fn := w.flatString(e.field)
	mp, mn := w.flatString(e.message)
	if w.err != nil {
		return out, w.err
	}
	err = in.areaCall(ctx, abi.WithinBatch, func(r *reader) { out = r.wireError(0) }, uint64(index), cp, cn, fp, fn, mp, mn)
	return out, err
}
