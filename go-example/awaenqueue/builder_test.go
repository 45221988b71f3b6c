package awaenqueue

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/awa-enqueue/awa-enqueue/go-example/internal/abi"
)

func newTestBuilder(t testing.TB, opts ...Option) *Builder {
	t.Helper()
	ctx := context.Background()
	b, err := New(ctx, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close(ctx) })
	return b
}

func TestContractHandshake(t *testing.T) {
	b := newTestBuilder(t)
	c := b.ContractInfo()
	if c.ABIVersion != ABIVersion || ABIVersion != 2 || c.AwaVersion != "0.6.9" || c.MinSchemaVersion != 40 {
		t.Fatalf("contract %+v", c)
	}
	if !strings.Contains(b.InsertSQL(), "awa.insert_job_compat($1::text") || !strings.Contains(b.TryInsertSQL(), "inserted") ||
		!strings.Contains(b.ExistingJobSQL(), "$1::text::bytea") || !strings.Contains(b.InsertManySQL(), "$13::text::text[]") ||
		b.SchemaCheckSQL() == "" {
		t.Fatal("SQL text from the core")
	}
}

// The generic glue's own canonical-ABI rules agree with the generated layout.
func TestCanonicalABIRules(t *testing.T) {
	for _, c := range []struct{ ours, generated uint32 }{
		{stringSize, abi.JobTagsElemSize}, {stringSize, abi.PreparedTagsElemSize},
		{stringAlign, abi.JobTagsElemAlign}, {stringAlign, abi.PreparedTagsElemAlign},
	} {
		if c.ours != c.generated {
			t.Fatalf("a string is %d bytes aligned %d; the generated layout differs: %+v", stringSize, stringAlign, c)
		}
	}
}

// A module that is not the core (here: a memory and nothing else) is refused with abi_mismatch,
// and so is an export whose flat signature differs from the generated one.
func TestABIMismatch(t *testing.T) {
	ctx := context.Background()
	memoryOnly := []byte{0, 'a', 's', 'm', 1, 0, 0, 0, 5, 3, 1, 0, 1, 7, 10, 1, 6, 'm', 'e', 'm', 'o', 'r', 'y', 2, 0}
	_, err := newBuilder(ctx, memoryOnly)
	var e *Error
	if !errors.As(err, &e) || e.Code != CodeABIMismatch || !strings.Contains(e.Message, "cabi_realloc") {
		t.Fatalf("got %v", err)
	}
	b := newTestBuilder(t, WithMaxInstances(1))
	err = b.with(ctx, func(in *instance) error {
		for _, ex := range abi.All {
			if _, err := exported(in.mod, ex.Name, ex.Params, ex.Results); err != nil {
				return err
			}
		}
		_, err := exported(in.mod, abi.Prepare.Name, abi.Prepare.Params+",i32", abi.Prepare.Results)
		return err
	})
	if !errors.As(err, &e) || e.Code != CodeABIMismatch || !strings.Contains(e.Message, abi.Prepare.Name) {
		t.Fatalf("got %v", err)
	}
}

// TestUniqueOptsDefaults: the options go to the core as given; what is left out takes Awa's
// defaults there. &UniqueOpts{ByArgs: true} is Awa's UniqueOpts::default().
func TestUniqueOptsDefaults(t *testing.T) {
	b := newTestBuilder(t)
	ctx := context.Background()
	prep := func(u *UniqueOpts) Prepared {
		t.Helper()
		p, err := b.Prepare(ctx, Job{Kind: "k", Args: json.RawMessage(`{"a":1}`), Unique: u})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	args := `{"a":1}`
	byArgs, err := b.UniqueKey(ctx, "k", nil, &args, nil)
	if err != nil {
		t.Fatal(err)
	}
	kindOnly, _ := b.UniqueKey(ctx, "k", nil, nil, nil)
	mask := uint8(0b1000_0001)
	for _, c := range []struct {
		name   string
		u      *UniqueOpts
		key    []byte
		states string
	}{
		{"Awa's default", &UniqueOpts{ByArgs: true}, byArgs, "11111000"},
		{"zero value: kind only", &UniqueOpts{}, kindOnly, "11111000"},
		{"state names", &UniqueOpts{ByArgs: true, States: []JobState{JobStateScheduled, JobStateWaitingExternal}}, byArgs, "10000001"},
		{"no states", &UniqueOpts{ByArgs: true, States: []JobState{}}, byArgs, "00000000"},
		{"mask", &UniqueOpts{ByArgs: true, StatesMask: &mask}, byArgs, "10000001"},
	} {
		p := prep(c.u)
		if !bytesEqual(p.UniqueKey, c.key) || p.UniqueStates == nil || *p.UniqueStates != c.states {
			t.Errorf("%s: key %x states %v", c.name, p.UniqueKey, *p.UniqueStates)
		}
	}
	_, err = b.Prepare(ctx, Job{Kind: "k", Unique: &UniqueOpts{States: []JobState{JobStateRunning}, StatesMask: &mask}})
	var e *Error
	if !errors.As(err, &e) || e.Code != "conflicting_states" || e.Field != "Unique.States" || e.ContractField != "unique.states" {
		t.Fatalf("got %#v", err)
	}
	_, err = b.Prepare(ctx, Job{Kind: "k", Unique: &UniqueOpts{States: []JobState{"done"}}})
	if !errors.As(err, &e) || e.Code != "unknown_state" || e.Field != "Unique.States" {
		t.Fatalf("got %#v", err)
	}
}

func bytesEqual(a, b []byte) bool {
	return hex.EncodeToString(a) == hex.EncodeToString(b) && (a == nil) == (b == nil)
}

func TestTypedErrors(t *testing.T) {
	b := newTestBuilder(t)
	ctx := context.Background()
	_, err := b.Prepare(ctx, Job{Kind: "k", Priority: new(int64(7))})
	var e *Error
	if !errors.As(err, &e) || e.Code != "priority_out_of_range" || e.Field != "Priority" || e.ContractField != "priority" || e.Message == "" {
		t.Fatalf("got %#v", err)
	}
	_, err = b.Prepare(ctx, Job{Kind: "k", MaxAttempts: new(int64(math.MaxInt64))})
	if !errors.As(err, &e) || e.Code != "max_attempts_out_of_range" || e.Field != "MaxAttempts" {
		t.Fatalf("got %#v", err)
	}
	period := int64(1)
	_, _, err = b.BuildInsertMany(ctx, []Job{{Kind: "a"}, {Kind: "b", Args: json.RawMessage(`{"x":`)}})
	if !errors.As(err, &e) || e.Code != "invalid_json" || e.Field != "jobs[1].Args" || e.ContractField != "jobs[1].args" {
		t.Fatalf("got %#v", err)
	}
	_, err = b.PrepareMany(ctx, []Job{{Kind: "a"}, {Kind: "b"}, {Kind: "c", Unique: &UniqueOpts{ByPeriod: &period, States: []JobState{"x"}}}})
	if !errors.As(err, &e) || e.Code != "unknown_state" || e.Field != "jobs[2].Unique.States" || e.ContractField != "jobs[2].unique.states" {
		t.Fatalf("got %#v", err)
	}
	// RunAt and RunAtText are one option: both set is the core's invalid_run_at
	text := "2026-11-28T00:00:00Z"
	_, err = b.Prepare(ctx, Job{Kind: "k", RunAt: time.Now(), RunAtText: &text})
	if !errors.As(err, &e) || e.Code != "invalid_run_at" || e.Field != "RunAt" || e.ContractField != "run_at" {
		t.Fatalf("got %#v", err)
	}
	_, err = b.Prepare(ctx, Job{Kind: "k", RunAt: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)})
	if !errors.As(err, &e) || e.Code != "invalid_run_at" {
		t.Fatalf("got %#v", err)
	}
	// Go values the WIT types cannot carry: invalid_argument, before the core
	for _, c := range []struct {
		job             Job
		field, contract string
	}{
		{Job{Kind: "k", Tags: []string{"ok", "\xff"}}, "Tags[1]", "tags[1]"},
		{Job{Kind: "k\xc3"}, "Kind", "kind"},
		{Job{Kind: "k", Queue: new("q\xff")}, "Queue", "queue"},
		{Job{Kind: "k", Args: json.RawMessage("\"\xed\xa0\x80\"")}, "Args", "args"}, // a UTF-8-encoded surrogate
		{Job{Kind: "k", Metadata: json.RawMessage("\"\xff\"")}, "Metadata", "metadata"},
		{Job{Kind: "k", RunAtText: new("2026\xff")}, "RunAt", "run_at"},
		{Job{Kind: "k", Unique: &UniqueOpts{States: []JobState{JobStateRunning, "\xff"}}}, "Unique.States[1]", "unique.states[1]"},
		{Job{Kind: "k", Args: func() {}}, "Args", "args"},
		{Job{Kind: "k", Args: math.NaN()}, "Args", "args"},
	} {
		_, err = b.Prepare(ctx, c.job)
		if !errors.As(err, &e) || e.Code != CodeInvalidArgument || e.Field != c.field || e.ContractField != c.contract || !strings.Contains(e.Message, c.contract) {
			t.Fatalf("%+v: got %#v", c.job, err)
		}
	}
	// in a batch, the jobs[i] prefix comes from the core's within-batch
	_, err = b.PrepareMany(ctx, []Job{{Kind: "a"}, {Kind: "b", Args: json.RawMessage("\"\xff\"")}})
	if !errors.As(err, &e) || e.Code != CodeInvalidArgument || e.Field != "jobs[1].Args" || e.ContractField != "jobs[1].args" || !strings.Contains(e.Message, "not valid UTF-8") {
		t.Fatalf("got %#v", err)
	}
	_, err = b.InsertManyBinds(ctx, []Job{{Kind: "a"}, {Kind: "b"}, {Kind: "c", Tags: []string{"\xff"}}})
	if !errors.As(err, &e) || e.Code != CodeInvalidArgument || e.Field != "jobs[2].Tags[0]" || e.ContractField != "jobs[2].tags[0]" {
		t.Fatalf("got %#v", err)
	}
	_, err = b.UniqueStatesMask(ctx, []JobState{JobStateScheduled, "\xff"})
	if !errors.As(err, &e) || e.Code != CodeInvalidArgument || e.ContractField != "unique.states[1]" || e.Field != "Unique.States[1]" {
		t.Fatalf("got %#v", err)
	}
	_, err = b.PartitionForKey(ctx, "\xff", 4, []byte("k"))
	if !errors.As(err, &e) || e.Code != CodeInvalidArgument || e.ContractField != "queue" {
		t.Fatalf("got %#v", err)
	}
	for _, call := range []func() error{
		func() error { _, err := b.CanonicalJSON(ctx, "\"\xff\""); return err },
		func() error { _, err := b.KindFromTypeName(ctx, "\xff"); return err },
		func() error { _, err := b.UniqueKey(ctx, "k", nil, new("\xff"), nil); return err },
		func() error { _, err := b.CheckSchemaRow(ctx, nil, new("\xff")); return err },
	} {
		if err := call(); !errors.As(err, &e) || e.Code != CodeInvalidArgument {
			t.Fatalf("got %#v", err)
		}
	}
	_, err = b.PrepareMany(ctx, nil)
	if !errors.As(err, &e) || e.Code != "empty_batch" || e.Field != "jobs" {
		t.Fatalf("got %#v", err)
	}
}

// TestStringClasses: strings through the public API: a BOM anywhere survives, NUL is the core's
// null_byte, invalid UTF-8 is invalid_argument.
func TestStringClasses(t *testing.T) {
	b := newTestBuilder(t)
	ctx := context.Background()
	for _, s := range []string{"\ufeffk", "k\ufeffk", "k\ufeff", "\ufeff"} {
		p, err := b.Prepare(ctx, Job{Kind: s, Queue: &s, Tags: []string{s}})
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		if p.Kind != s || p.Queue != s || len(p.Tags) != 1 || p.Tags[0] != s || p.BindArgs()[0] != s {
			t.Fatalf("%q: %+v", s, p)
		}
	}
	var e *Error
	for _, c := range []struct {
		job   Job
		field string
	}{
		{Job{Kind: "k\x00"}, "Kind"},
		{Job{Kind: "k", Queue: new("\x00q")}, "Queue"},
		{Job{Kind: "k", Tags: []string{"a", "b\x00"}}, "Tags[1]"},
		{Job{Kind: "k", Args: json.RawMessage(`{"a":"\u0000"}`)}, "Args"},
		{Job{Kind: "k", Args: map[string]string{"a": "\x00"}}, "Args"},
	} {
		_, err := b.Prepare(ctx, c.job)
		if !errors.As(err, &e) || e.Code != "null_byte" || e.Field != c.field {
			t.Fatalf("%+v: got %#v", c.job, err)
		}
	}
	for _, bad := range []string{"\xff", "a\xc3", "\xed\xa0\x80", "\xf4\x90\x80\x80"} {
		_, err := b.Prepare(ctx, Job{Kind: "k", Tags: []string{bad}})
		if !errors.As(err, &e) || e.Code != CodeInvalidArgument || e.Field != "Tags[0]" {
			t.Fatalf("%q: got %#v", bad, err)
		}
	}
}

func TestArgsRawMessageAndValues(t *testing.T) {
	b := newTestBuilder(t)
	ctx := context.Background()
	awaDefault := &UniqueOpts{ByArgs: true}
	raw, err := b.Prepare(ctx, Job{Kind: "k", Args: json.RawMessage(`{"f": 1.0, "big": 12345678901234567890}`), Unique: awaDefault})
	if err != nil {
		t.Fatal(err)
	}
	if raw.ArgsJSON != `{"big":12345678901234567890,"f":1.0}` {
		t.Fatalf("raw args %s", raw.ArgsJSON)
	}
	// A float64 1.0 marshals as 1 and a large integer loses precision: a different key.
	val, err := b.Prepare(ctx, Job{Kind: "k", Args: map[string]any{"f": 1.0, "big": 12345678901234567890.0}, Unique: awaDefault})
	if err != nil {
		t.Fatal(err)
	}
	if val.ArgsJSON != `{"big":12345678901234567000,"f":1}` || hex.EncodeToString(val.UniqueKey) == hex.EncodeToString(raw.UniqueKey) {
		t.Fatalf("value args %s", val.ArgsJSON)
	}
	// Struct values with exact types keep their key; the golden vector of awa-contract.md §12.1.
	type email struct {
		To string `json:"to"`
	}
	p, err := b.Prepare(ctx, Job{Kind: "send_email", Args: email{To: "a@b.com"}, Unique: awaDefault})
	if err != nil || hex.EncodeToString(p.UniqueKey) != "ef8febabb370bd83c515cf9f8e9c3600" {
		t.Fatalf("%v %x", err, p.UniqueKey)
	}
}

func TestOptionalValuesAndBinds(t *testing.T) {
	b := newTestBuilder(t)
	ctx := context.Background()
	p, err := b.Prepare(ctx, Job{Kind: "k"})
	if err != nil {
		t.Fatal(err)
	}
	if p.Queue != "default" || p.Priority != 2 || p.MaxAttempts != 25 || p.State != "available" || p.RunAt != nil ||
		p.UniqueKey != nil || p.UniqueStates != nil || p.OrderingKey != nil || p.ArgsJSON != "{}" {
		t.Fatalf("defaults %+v", p)
	}
	binds := p.BindArgs()
	want := []any{"k", "default", "{}", "available", "2", "25", nil, "{}", "{}", nil, nil, nil}
	if len(binds) != 12 {
		t.Fatalf("binds %#v", binds)
	}
	for i := range want {
		if binds[i] != want[i] {
			t.Fatalf("bind %d: %#v, want %#v", i, binds[i], want[i])
		}
	}
	binds[0] = "changed"
	if p.BindArgs()[0] != "k" {
		t.Fatal("BindArgs must return a copy")
	}
	at := time.Date(2026, 11, 28, 13, 0, 0, 1500, time.FixedZone("x", 13*3600))
	p, err = b.Prepare(ctx, Job{Kind: "k", OrderingKey: []byte{}, RunAt: at, Tags: []string{"a", `b"c`},
		Unique: &UniqueOpts{ByArgs: true}})
	if err != nil {
		t.Fatal(err)
	}
	if p.OrderingKey == nil || len(p.OrderingKey) != 0 || p.State != "scheduled" || *p.RunAt != "2026-11-28T00:00:00.000001Z" {
		t.Fatalf("%+v %v", p, *p.RunAt)
	}
	binds = p.BindArgs()
	if binds[6] != *p.RunAt || binds[8] != `{"a","b\"c"}` || binds[9] != `\x`+hex.EncodeToString(p.UniqueKey) || binds[10] != "11111000" || binds[11] != `\x` {
		t.Fatalf("binds %#v", binds)
	}
	text := "2026-11-28T13:00:00.0000015+13:00"
	q, args, err := b.BuildInsert(ctx, Job{Kind: "k", RunAtText: &text})
	if err != nil || q != b.InsertSQL() || args[6] != "2026-11-28T00:00:00.000001Z" {
		t.Fatalf("%v %#v", err, args)
	}
	// any number of jobs: 13 text binds, one array literal per column
	jobs := make([]Job, 2500)
	for i := range jobs {
		jobs[i] = Job{Kind: "k", Priority: new(int64(1 + i%4))}
	}
	q, args, err = b.BuildInsertMany(ctx, jobs)
	if err != nil || q != b.InsertManySQL() || len(args) != 13 {
		t.Fatalf("%v %d", err, len(args))
	}
	for i, a := range args {
		if s, ok := a.(string); !ok || !strings.HasPrefix(s, "{") {
			t.Fatalf("bind %d: %#v", i, a)
		}
	}
}

func TestDerivations(t *testing.T) {
	b := newTestBuilder(t)
	ctx := context.Background()
	q, args := "email", `{"to":"a@b.com"}`
	bucket := int64(493827)
	key, err := b.UniqueKey(ctx, "send_email", &q, &args, &bucket)
	if err != nil || hex.EncodeToString(key) != "fd16d04ded7e690c3e1d9c711f05096b" {
		t.Fatalf("%v %x", err, key)
	}
	if bits, _ := b.UniqueStatesBits(ctx, 23); bits != "11101000" {
		t.Fatal(bits)
	}
	if m, err := b.UniqueStatesMask(ctx, []JobState{JobStateScheduled, JobStateAvailable, JobStateRunning, JobStateCompleted, JobStateRetryable}); err != nil || m != 31 {
		t.Fatal(m, err)
	}
	if m, err := b.UniqueStatesMask(ctx, []JobState{JobStateFailed, JobStateCancelled, JobStateWaitingExternal}); err != nil || m != 0b1110_0000 {
		t.Fatal(m, err)
	}
	if v, err := b.PeriodBucket(ctx, -1, 3600); err != nil || v != -1 {
		t.Fatal(v, err)
	}
	if _, err := b.PeriodBucket(ctx, 1, 0); err == nil {
		t.Fatal("period 0 must fail")
	}
	if h, _ := b.OrderingKeyHash64(ctx, []byte("customer-42")); h != 695220319317454988 {
		t.Fatal(h)
	}
	if s, _ := b.ShardForOrderingKey(ctx, []byte{}, 8); s != 5 {
		t.Fatal(s)
	}
	if h, _ := b.PartitionHash64(ctx, []byte("order-7")); h != 5246969042653738012 {
		t.Fatal(h)
	}
	if p, err := b.PartitionForKey(ctx, "orders", 4, []byte("customer-42")); err != nil || p != (Partition{3, "orders__p3"}) {
		t.Fatal(p, err)
	}
	if k, _ := b.KindFromTypeName(ctx, "getHTTPResponseCode"); k != "get_http_response_code" {
		t.Fatal(k)
	}
	if s, _ := b.CanonicalJSON(ctx, ` {"b":[1.5e-7, -0.0], "a":1e21} `); s != `{"a":1e+21,"b":[1.5e-7,-0.0]}` {
		t.Fatal(s)
	}
	if s, err := b.CheckSchemaRow(ctx, new(int32(40)), nil); err == nil {
		t.Fatal("a schema without insert_job_compat must fail", s)
	}
}

// TestMemoryBounded: one pooled instance serves >= 1,000,000 calls; its linear memory must
// not grow after warm-up.
func TestMemoryBounded(t *testing.T) {
	b := newTestBuilder(t, WithMaxInstances(1))
	ctx := context.Background()
	mask := uint8(3)
	jobs := []Job{
		{Kind: "send_email", Args: json.RawMessage(`{"to":"a@b.com","n":[1,2.5]}`), Tags: []string{"a", "b"},
			Unique: &UniqueOpts{ByArgs: true, States: []JobState{JobStateRunning}}, OrderingKey: []byte("customer-42"), RunAt: time.Now()},
		{Kind: "k", Unique: &UniqueOpts{StatesMask: &mask}, Priority: new(int64(9))}, // an error
	}
	warm := func() {
		for range 1000 {
			b.Prepare(ctx, jobs[0])
			b.Prepare(ctx, jobs[1])
			if _, err := b.KindFromTypeName(ctx, "HTMLToPDF"); err != nil {
				t.Fatal(err)
			}
		}
	}
	pages := func() uint32 {
		in := <-b.pool
		defer func() { b.pool <- in }()
		return in.mem.Size() / 65536
	}
	warm()
	before := pages()
	calls := 1_000_000
	for i := range calls {
		switch {
		case i%100 == 0:
			if _, err := b.InsertManyBinds(ctx, jobs[:1]); err != nil {
				t.Fatal(err)
			}
		case i%50 == 0:
			if _, err := b.PrepareMany(ctx, jobs); err == nil {
				t.Fatal("the second job is invalid")
			}
		case i%10 == 0:
			if _, err := b.Prepare(ctx, jobs[0]); err != nil {
				t.Fatal(err)
			}
		default:
			if _, err := b.KindFromTypeName(ctx, "HTMLToPDF"); err != nil {
				t.Fatal(err)
			}
		}
	}
	after := pages()
	t.Logf("%d calls: memory %d -> %d pages", calls, before, after)
	if after > before {
		t.Fatalf("memory grew from %d to %d pages over %d calls", before, after, calls)
	}
}

// TestTrapDiscardsInstance: a call that traps closes its instance; the next call gets a fresh one.
func TestTrapDiscardsInstance(t *testing.T) {
	b := newTestBuilder(t, WithMaxInstances(1))
	ctx := context.Background()
	var trapped *instance
	err := b.with(ctx, func(in *instance) error {
		trapped = in
		_, err := in.call(ctx, abi.Prepare, uint64(1<<32-8)) // a job pointer past the end of memory
		return err
	})
	var e *Error
	if !errors.Is(err, errTrap) || !errors.As(err, &e) || e.Code != CodeModuleTrap || !trapped.mod.IsClosed() {
		t.Fatalf("want a module_trap and a closed instance, got %v", err)
	}
	for range 3 * cap(b.slots) {
		if _, err := b.Prepare(ctx, Job{Kind: "k"}); err != nil {
			t.Fatal(err)
		}
	}
	if len(b.pool) != 1 {
		t.Fatalf("pool holds %d instances", len(b.pool))
	}
	in := <-b.pool
	b.pool <- in
	if in == trapped {
		t.Fatal("trapped instance reused")
	}
}

// TestBuildTryInsert: the core's duplicate-safe SQL with the job's binds; a bad job is an *Error.
func TestBuildTryInsert(t *testing.T) {
	b := newTestBuilder(t)
	ctx := context.Background()
	job := Job{Kind: "try_build", Args: map[string]int{"a": 1}, Unique: &UniqueOpts{ByArgs: true}}
	sql, args, err := b.BuildTryInsert(ctx, job)
	if err != nil {
		t.Fatal(err)
	}
	p, err := b.Prepare(ctx, job)
	if err != nil {
		t.Fatal(err)
	}
	if sql != b.TryInsertSQL() || !reflect.DeepEqual(args, p.BindArgs()) {
		t.Fatalf("BuildTryInsert = %q %v, want TryInsertSQL and %v", sql, args, p.BindArgs())
	}
	priority := int64(99)
	_, _, err = b.BuildTryInsert(ctx, Job{Kind: "try_build", Priority: &priority})
	var e *Error
	if !errors.As(err, &e) || e.Code != "priority_out_of_range" {
		t.Fatalf("want priority_out_of_range, got %v", err)
	}
}
