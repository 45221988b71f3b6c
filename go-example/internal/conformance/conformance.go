// Package conformance is the conformance runner of docs/conformance.md: case lines (JSON
// Lines) in, one result line per case out, in input order, through the public awaenqueue API
// only. Parsing follows the Rust runner (host-tests/src/cases.rs) exactly, including which
// field an invalid case names. Test tooling, not part of the importable API.
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
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

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

// optInt reads an integer within [lo, hi]; fractions, exponents and out-of-range values fail,
// and so does -0 (a float to serde_json, as the Rust runner reads it).
func (o object) optInt(field string, lo, hi int64) (*int64, error) {
	switch v := o[field].(type) {
	case nil:
		return nil, nil
	case json.Number:
		n, err := strconv.ParseInt(string(v), 10, 64)
		if err != nil || n < lo || n > hi || (n == 0 && strings.HasPrefix(string(v), "-")) {
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

func rename(err error, field string) error {
	var ic *invalidCase
	if errors.As(err, &ic) {
		return &invalidCase{field: field, message: ic.message}
	}
	return err
}

// parseI64 reads an i64 in decimal (an optional sign, then digits only).
func parseI64(s string) (int64, bool) {
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

// parseUnique reads the case format's unique options. Absent or null options take Awa's
// default: the Go zero values are Awa's for by_queue (false), by_period (none) and states
// (nil: the core applies Awa's default states); the case format's absent by_args is Awa's
// default, which Go spells ByArgs: true (UniqueOpts cannot leave it out).
func parseUnique(u object) (*awaenqueue.UniqueOpts, error) {
	flag := func(name string, absent bool) (bool, error) {
		switch v := u[name].(type) {
		case nil:
			return absent, nil
		case bool:
			return v, nil
		default:
			return false, bad("unique."+name, "must be a boolean")
		}
	}
	opts := &awaenqueue.UniqueOpts{}
	period, err := u.optStr("by_period")
	if err != nil {
		return nil, rename(err, "unique.by_period")
	}
	if period != nil {
		p, ok := parseI64(*period)
		if !ok {
			return nil, bad("unique.by_period", "by_period must be an i64 decimal string")
		}
		opts.ByPeriod = &p
	}
	if names, isList := u["states"].([]any); isList {
		list, err := strList(names, "unique.states")
		if err != nil {
			return nil, err
		}
		opts.States = make([]awaenqueue.JobState, len(list))
		for i, s := range list {
			opts.States[i] = awaenqueue.JobState(s)
		}
	} else {
		mask, err := u.optInt("states", 0, math.MaxUint8)
		if err != nil {
			return nil, rename(err, "unique.states")
		}
		if mask != nil {
			m := uint8(*mask)
			opts.StatesMask = &m
		}
	}
	if opts.ByQueue, err = flag("by_queue", false); err != nil {
		return nil, err
	}
	if opts.ByArgs, err = flag("by_args", true); err != nil {
		return nil, err
	}
	return opts, nil
}

// parseJob reads a job object, checking fields in the Rust runner's order.
func parseJob(v any) (job awaenqueue.Job, err error) {
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
		if job.Unique, err = parseUnique(u); err != nil {
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
		job.Args = json.RawMessage(*args)
	}
	if job.Queue, err = o.optStr("queue"); err != nil {
		return job, err
	}
	if job.Priority, err = o.optInt("priority", math.MinInt64, math.MaxInt64); err != nil {
		return job, err
	}
	if job.MaxAttempts, err = o.optInt("max_attempts", math.MinInt64, math.MaxInt64); err != nil {
		return job, err
	}
	if job.RunAtText, err = o.optStr("run_at"); err != nil {
		return job, err
	}
	meta, err := o.optStr("metadata_json")
	if err != nil {
		return job, err
	}
	if meta != nil {
		job.Metadata = json.RawMessage(*meta)
	}
	job.OrderingKey, err = o.hex("ordering_key_hex")
	return job, err
}

// parseJobs reads prepare_many's jobs; an invalid job names its field as jobs[i]....
func parseJobs(v any) ([]awaenqueue.Job, error) {
	items, ok := v.([]any)
	if !ok {
		return nil, bad("jobs", "jobs must be an array of jobs")
	}
	jobs := make([]awaenqueue.Job, len(items))
	for i, item := range items {
		var err error
		if jobs[i], err = parseJob(item); err != nil {
			var ic *invalidCase
			if errors.As(err, &ic) {
				field := fmt.Sprintf("jobs[%d]", i)
				if ic.field != "" {
					field += "." + ic.field
				}
				return nil, &invalidCase{field: field, message: ic.message}
			}
			return nil, err
		}
	}
	return jobs, nil
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

// runCase runs one case; it returns the ok value, or a whole result line (enqueue mode).
func (r *Runner) runCase(ctx context.Context, o object) (any, error) {
	b := r.Builder
	op, err := o.reqStr("op")
	if err != nil {
		return nil, err
	}
	switch op {
	case "prepare":
		job, err := parseJob(o["job"])
		if err != nil {
			return nil, err
		}
		if r.Conn != nil {
			return r.enqueue(ctx, o["id"], job)
		}
		p, err := b.Prepare(ctx, job)
		if err != nil {
			return nil, err
		}
		return preparedJSON(&p), nil
	case "prepare_many":
		jobs, err := parseJobs(o["jobs"])
		if err != nil {
			return nil, err
		}
		if r.Conn != nil {
			return r.enqueueMany(ctx, jobs)
		}
		ps, err := b.PrepareMany(ctx, jobs)
		if err != nil {
			return nil, err
		}
		out := make([]any, len(ps))
		for i := range ps {
			out[i] = preparedJSON(&ps[i])
		}
		return map[string]any{"jobs": out}, nil
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
			v, ok := parseI64(*bucketText)
			if !ok {
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
			states := make([]awaenqueue.JobState, len(names))
			for i, n := range names {
				states[i] = awaenqueue.JobState(n)
			}
			if m, err = b.UniqueStatesMask(ctx, states); err != nil {
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

// line is a whole result line (the enqueue mode's duplicate line has no "ok").
type line map[string]any

// enqueue runs a prepare case through TryEnqueue in its own committed transaction.
func (r *Runner) enqueue(ctx context.Context, id any, job awaenqueue.Job) (any, error) {
	tx, err := r.Conn.Begin(ctx)
	if err != nil {
		return nil, err
	}
	res, err := r.Builder.TryEnqueue(ctx, tx, job)
	if err != nil {
		return nil, errors.Join(err, tx.Rollback(ctx))
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, err
	}
	if res.Duplicate {
		if res.Existing != nil {
			return line{"id": id, "duplicate": true, "existing_job_id": strconv.FormatInt(res.Existing.ID, 10)}, nil
		}
		return line{"id": id, "duplicate": true}, nil
	}
	return map[string]any{"job_id": strconv.FormatInt(res.Row.ID, 10)}, nil
}

// enqueueMany runs a prepare_many case through EnqueueMany in its own committed transaction.
func (r *Runner) enqueueMany(ctx context.Context, jobs []awaenqueue.Job) (any, error) {
	tx, err := r.Conn.Begin(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := r.Builder.EnqueueMany(ctx, tx, jobs)
	if err != nil {
		return nil, errors.Join(err, tx.Rollback(ctx))
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, err
	}
	ids := make([]string, len(rows))
	for i := range rows {
		ids[i] = strconv.FormatInt(rows[i].ID, 10)
	}
	return map[string]any{"job_ids": ids}, nil
}

// validJSONText rejects what a strict parser (serde_json) rejects but encoding/json accepts
// or silently repairs: invalid UTF-8, lone UTF-16 surrogate escapes, and nesting deeper than
// serde_json's recursion limit (127 levels).
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
	depth, inString := 0, false
	for i := 0; i < len(line); i++ {
		c := line[i]
		if !inString {
			switch c {
			case '"':
				inString = true
			case '[', '{':
				if depth++; depth >= maxDepth {
					return false
				}
			case ']', '}':
				depth--
			}
			continue
		}
		switch {
		case c == '"':
			inString = false
			continue
		case c != '\\' || i+1 >= len(line):
			continue
		case line[i+1] != 'u':
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

// maxDepth is serde_json's recursion limit: 128 nested arrays/objects are too deep.
const maxDepth = 128

// Runner turns case lines into result lines. With Conn set (the --enqueue mode), every
// prepare case is enqueued through TryEnqueue and every prepare_many case through EnqueueMany,
// each in its own committed transaction on Conn; database errors are db_error lines.
type Runner struct {
	Builder *awaenqueue.Builder
	Conn    *pgx.Conn
}

// Line turns one case line into one result line (without newline); it never fails.
func (r *Runner) Line(ctx context.Context, text []byte) []byte {
	var id any
	var result any
	var err error
	var v any
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.UseNumber()
	var rest any
	if derr := dec.Decode(&v); derr != nil || dec.Decode(&rest) != io.EOF || !validJSONText(text) {
		err = bad("", "not JSON")
	} else if m, ok := v.(map[string]any); !ok {
		err = bad("", "a case must be a JSON object")
	} else {
		id = m["id"]
		result, err = r.runCase(ctx, object(m))
	}
	var out any
	var ic *invalidCase
	var ae *awaenqueue.Error
	var pe *pgconn.PgError
	switch whole, isLine := result.(line); {
	case err == nil && isLine:
		out = whole
	case err == nil:
		out = map[string]any{"id": id, "ok": result}
	case errors.As(err, &ic):
		out = errorLine(id, "invalid_case", ic.field, ic.message)
	case errors.As(err, &ae):
		out = errorLine(id, ae.Code, ae.ContractField, ae.Message)
	case errors.As(err, &pe):
		out = map[string]any{"id": id, "error": map[string]any{"code": "db_error", "field": "", "sqlstate": pe.Code, "message": pe.Message}}
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

// Run reads case lines from in and writes result lines to out; blank lines are skipped.
func (r *Runner) Run(ctx context.Context, in io.Reader, out io.Writer) error {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64*1024), 64*1024*1024)
	bw := bufio.NewWriter(out)
	for sc.Scan() {
		text := sc.Bytes()
		if len(bytes.TrimSpace(text)) == 0 {
			continue
		}
		bw.Write(r.Line(ctx, text))
		bw.WriteByte('\n')
	}
	if err := sc.Err(); err != nil {
		return err
	}
	return bw.Flush()
}

// PrepareJob parses one `prepare` case line into the Job it describes (for benchmarks).
func PrepareJob(text []byte) (awaenqueue.Job, error) {
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return awaenqueue.Job{}, bad("", "not a JSON object")
	}
	if op, _ := m["op"].(string); op != "prepare" {
		return awaenqueue.Job{}, bad("op", "not a prepare case")
	}
	return parseJob(m["job"])
}
