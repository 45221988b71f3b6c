// Package conformance runs shared conformance cases (JSON Lines, one case per line) through
// the public awaenqueue API and writes one result line per case, in input order.
package conformance

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/awa-enqueue/awa-enqueue/go-example/awaenqueue"
)

// invalidCase is a line that is not a valid case.
type invalidCase struct{ field, message string }

func (e *invalidCase) Error() string { return e.message }

func bad(field, format string, args ...any) error {
	return &invalidCase{field: field, message: fmt.Sprintf(format, args...)}
}

type object map[string]any

func (o object) optStr(field string) (*string, error) {
	switch v := o[field].(type) {
	case nil:
		return nil, nil
	case string:
		return &v, nil
	default:
		return nil, bad(field, "%s must be a string or null", field)
	}
}

func (o object) reqStr(field string) (string, error) {
	s, err := o.optStr(field)
	if err == nil && s == nil {
		err = bad(field, "%s is required", field)
	}
	if err != nil {
		return "", err
	}
	return *s, nil
}

// optInt reads an integer within [lo, hi]; fractions, exponents and out-of-range values fail.
func (o object) optInt(field string, lo, hi int64) (*int64, error) {
	switch v := o[field].(type) {
	case nil:
		return nil, nil
	case json.Number:
		n, err := strconv.ParseInt(string(v), 10, 64)
		if err != nil || n < lo || n > hi {
			return nil, bad(field, "%s must be an integer in range", field)
		}
		return &n, nil
	default:
		return nil, bad(field, "%s must be an integer in range", field)
	}
}

func (o object) reqInt(field string, lo, hi int64) (int64, error) {
	n, err := o.optInt(field, lo, hi)
	if err == nil && n == nil {
		err = bad(field, "%s is required", field)
	}
	if err != nil {
		return 0, err
	}
	return *n, nil
}

func (o object) hex(field string) ([]byte, error) {
	s, err := o.optStr(field)
	if err != nil || s == nil {
		return nil, err
	}
	b, err := hex.DecodeString(*s)
	if err != nil {
		return nil, bad(field, "%s must be hex", field)
	}
	if b == nil {
		b = []byte{}
	}
	return b, nil
}

func (o object) reqHex(field string) ([]byte, error) {
	b, err := o.hex(field)
	if err == nil && b == nil {
		err = bad(field, "%s is required", field)
	}
	return b, err
}

func strList(items []any, field string) ([]string, error) {
	out := make([]string, len(items))
	for i, it := range items {
		s, ok := it.(string)
		if !ok {
			return nil, bad(field, "%s must be strings", field)
		}
		out[i] = s
	}
	return out, nil
}

func i32(n *int64) *int32 {
	if n == nil {
		return nil
	}
	v := int32(*n)
	return &v
}

func rename(err error, field string) error {
	var ic *invalidCase
	if errors.As(err, &ic) {
		return &invalidCase{field: field, message: ic.message}
	}
	return err
}

// parseUnique fills omitted options from defaults (the core's default-unique-opts).
func parseUnique(u object, defaults *awaenqueue.UniqueOpts) (*awaenqueue.UniqueOpts, error) {
	flag := func(name string, def bool) (bool, error) {
		switch v := u[name].(type) {
		case nil:
			return def, nil
		case bool:
			return v, nil
		default:
			return false, bad("unique."+name, "must be a boolean")
		}
	}
	opts := defaults
	period, err := u.optStr("by_period")
	if err != nil {
		return nil, rename(err, "unique.by_period")
	}
	if period != nil {
		p, err := strconv.ParseInt(*period, 10, 64)
		if err != nil {
			return nil, bad("unique.by_period", "by_period must be an i64 decimal string")
		}
		opts.ByPeriod = &p
	}
	if opts.ByQueue, err = flag("by_queue", opts.ByQueue); err != nil {
		return nil, err
	}
	if opts.ByArgs, err = flag("by_args", opts.ByArgs); err != nil {
		return nil, err
	}
	states, err := u.optInt("states", 0, math.MaxUint8)
	if err != nil {
		return nil, rename(err, "unique.states")
	}
	if states != nil {
		opts.States = uint8(*states)
	}
	return opts, nil
}

func parseJob(v any, b *awaenqueue.Builder) (job awaenqueue.Job, err error) {
	m, ok := v.(map[string]any)
	if !ok {
		return job, bad("job", "job must be an object")
	}
	o := object(m)
	switch t := o["tags"].(type) {
	case nil:
	case []any:
		if job.Tags, err = strList(t, "tags"); err != nil {
			return job, err
		}
	default:
		return job, bad("tags", "tags must be an array")
	}
	switch u := o["unique"].(type) {
	case nil:
	case map[string]any:
		if job.Unique, err = parseUnique(u, b.DefaultUniqueOpts()); err != nil {
			return job, err
		}
	default:
		return job, bad("unique", "unique must be an object or null")
	}
	if job.Kind, err = o.reqStr("kind"); err != nil {
		return job, err
	}
	args, err := o.optStr("args_json")
	if err != nil {
		return job, err
	}
	if args != nil {
		job.Args = json.RawMessage(append([]byte{}, *args...))
	}
	if job.Queue, err = o.optStr("queue"); err != nil {
		return job, err
	}
	prio, err := o.optInt("priority", math.MinInt32, math.MaxInt32)
	if err != nil {
		return job, err
	}
	job.Priority = i32(prio)
	attempts, err := o.optInt("max_attempts", math.MinInt32, math.MaxInt32)
	if err != nil {
		return job, err
	}
	job.MaxAttempts = i32(attempts)
	if job.RunAtText, err = o.optStr("run_at"); err != nil {
		return job, err
	}
	meta, err := o.optStr("metadata_json")
	if err != nil {
		return job, err
	}
	if meta != nil {
		job.Metadata = json.RawMessage(append([]byte{}, *meta...))
	}
	job.OrderingKey, err = o.hex("ordering_key_hex")
	return job, err
}

func hexOrNil(b []byte) any {
	if b == nil {
		return nil
	}
	return hex.EncodeToString(b)
}

func preparedJSON(p *awaenqueue.Prepared) map[string]any {
	return map[string]any{
		"kind": p.Kind, "queue": p.Queue, "args_json": p.ArgsJSON, "state": p.State,
		"priority": p.Priority, "max_attempts": p.MaxAttempts, "run_at": p.RunAt,
		"metadata_json": p.MetadataJSON, "tags": p.Tags,
		"unique_key_hex": hexOrNil(p.UniqueKey), "unique_states": p.UniqueStates,
		"ordering_key_hex": hexOrNil(p.OrderingKey),
	}
}

func runCase(ctx context.Context, b *awaenqueue.Builder, o object) (any, error) {
	op, err := o.reqStr("op")
	if err != nil {
		return nil, err
	}
	switch op {
	case "prepare":
		job, err := parseJob(o["job"], b)
		if err != nil {
			return nil, err
		}
		p, err := b.Prepare(ctx, job)
		if err != nil {
			return nil, err
		}
		return preparedJSON(&p), nil
	case "unique_key":
		kind, err := o.reqStr("kind")
		if err != nil {
			return nil, err
		}
		queue, err := o.optStr("queue")
		if err != nil {
			return nil, err
		}
		args, err := o.optStr("args_json")
		if err != nil {
			return nil, err
		}
		bucketText, err := o.optStr("period_bucket")
		if err != nil {
			return nil, err
		}
		var bucket *int64
		if bucketText != nil {
			v, err := strconv.ParseInt(*bucketText, 10, 64)
			if err != nil {
				return nil, bad("period_bucket", "period_bucket must be an i64 decimal string")
			}
			bucket = &v
		}
		key, err := b.UniqueKey(ctx, kind, queue, args, bucket)
		if err != nil {
			return nil, err
		}
		return map[string]any{"unique_key_hex": hex.EncodeToString(key)}, nil
	case "ordering":
		key, err := o.reqHex("key_hex")
		if err != nil {
			return nil, err
		}
		shards, err := o.reqInt("shards", math.MinInt16, math.MaxInt16)
		if err != nil {
			return nil, err
		}
		h, err := b.OrderingKeyHash64(ctx, key)
		if err != nil {
			return nil, err
		}
		s, err := b.ShardForOrderingKey(ctx, key, int16(shards))
		if err != nil {
			return nil, err
		}
		return map[string]any{"hash64": strconv.FormatUint(h, 10), "shard": s}, nil
	case "kind_from_type_name":
		name, err := o.reqStr("name")
		if err != nil {
			return nil, err
		}
		kind, err := b.KindFromTypeName(ctx, name)
		if err != nil {
			return nil, err
		}
		return map[string]any{"kind": kind}, nil
	case "canonical_json":
		text, err := o.reqStr("json")
		if err != nil {
			return nil, err
		}
		out, err := b.CanonicalJSON(ctx, text)
		if err != nil {
			return nil, err
		}
		return map[string]any{"json": out}, nil
	case "partition":
		logical, err := o.reqStr("logical_queue")
		if err != nil {
			return nil, err
		}
		n, err := o.reqInt("partitions", 0, math.MaxUint32)
		if err != nil {
			return nil, err
		}
		key, err := o.reqHex("key_hex")
		if err != nil {
			return nil, err
		}
		p, err := b.PartitionForKey(ctx, logical, uint32(n), key)
		if err != nil {
			return nil, err
		}
		return map[string]any{"index": p.Index, "queue": p.Queue}, nil
	case "unique_states":
		_, hasMask := o["mask"]
		states, hasStates := o["states"]
		var m uint8
		switch list, isList := states.([]any); {
		case hasMask && !hasStates:
			n, err := o.reqInt("mask", 0, math.MaxUint8)
			if err != nil {
				return nil, err
			}
			m = uint8(n)
		case !hasMask && hasStates && isList:
			names, err := strList(list, "states")
			if err != nil {
				return nil, err
			}
			if m, err = b.UniqueStatesMask(ctx, names); err != nil {
				return nil, err
			}
		default:
			return nil, bad("mask", "give either mask or states")
		}
		bits, err := b.UniqueStatesBits(ctx, m)
		if err != nil {
			return nil, err
		}
		return map[string]any{"bits": bits, "mask": m}, nil
	default:
		return nil, bad("op", "unknown op %q", op)
	}
}

// validJSONText rejects what a strict parser rejects but encoding/json silently repairs:
// invalid UTF-8 and lone UTF-16 surrogate escapes.
func validJSONText(line []byte) bool {
	if !utf8.Valid(line) {
		return false
	}
	surrogate := func(i int) (rune, bool) {
		if i+6 > len(line) || line[i] != '\\' || line[i+1] != 'u' {
			return 0, false
		}
		v, err := strconv.ParseUint(string(line[i+2:i+6]), 16, 32)
		return rune(v), err == nil
	}
	for i := 0; i < len(line); i++ {
		if line[i] != '\\' || i+1 >= len(line) {
			continue
		}
		if line[i+1] != 'u' {
			i++
			continue
		}
		r, ok := surrogate(i)
		switch {
		case !ok:
			return false
		case r >= 0xDC00 && r <= 0xDFFF:
			return false
		case r >= 0xD800 && r <= 0xDBFF:
			lo, ok := surrogate(i + 6)
			if !ok || lo < 0xDC00 || lo > 0xDFFF {
				return false
			}
			i += 11
		default:
			i += 5
		}
	}
	return true
}

// RunLine turns one case line into one result line (without newline); it never fails.
func RunLine(ctx context.Context, b *awaenqueue.Builder, line []byte) []byte {
	var id any
	var result any
	var err error
	var v any
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	var rest any
	if derr := dec.Decode(&v); derr != nil || dec.Decode(&rest) != io.EOF || !validJSONText(line) {
		err = bad("", "not JSON")
	} else if m, ok := v.(map[string]any); !ok {
		err = bad("", "a case must be a JSON object")
	} else {
		id = m["id"]
		result, err = runCase(ctx, b, object(m))
	}
	var out any
	var ic *invalidCase
	var ae *awaenqueue.Error
	switch {
	case err == nil:
		out = map[string]any{"id": id, "ok": result}
	case errors.As(err, &ic):
		out = errorLine(id, "invalid_case", ic.field, ic.message)
	case errors.As(err, &ae):
		out = errorLine(id, ae.Code, ae.Field, ae.Message)
	default: // not a library error (traps are *awaenqueue.Error with code module_trap)
		out = errorLine(id, "host_error", "", err.Error())
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		buf.Reset()
		enc.Encode(errorLine(nil, "host_error", "", err.Error()))
	}
	return bytes.TrimRight(buf.Bytes(), "\n")
}

func errorLine(id any, code, field, message string) map[string]any {
	return map[string]any{"id": id, "error": map[string]any{"code": code, "field": field, "message": message}}
}

// Run reads case lines from r and writes result lines to w; blank lines are skipped.
func Run(ctx context.Context, b *awaenqueue.Builder, r io.Reader, w io.Writer) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 64*1024*1024)
	bw := bufio.NewWriter(w)
	for sc.Scan() {
		line := sc.Bytes()
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		bw.Write(RunLine(ctx, b, line))
		bw.WriteByte('\n')
	}
	if err := sc.Err(); err != nil {
		return err
	}
	return bw.Flush()
}

// PrepareJob parses one `prepare` case line into the Job it describes (for benchmarks).
func PrepareJob(b *awaenqueue.Builder, line []byte) (awaenqueue.Job, error) {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return awaenqueue.Job{}, bad("", "not a JSON object")
	}
	if op, _ := m["op"].(string); op != "prepare" {
		return awaenqueue.Job{}, bad("op", "not a prepare case")
	}
	return parseJob(m["job"], b)
}
