package awaenqueue

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
	"time"
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
	c := b.Contract()
	if c.ABIVersion != ABIVersion || c.AwaVersion != "0.6.9" || c.MinSchemaVersion != 40 {
		t.Fatalf("contract %+v", c)
	}
}

// TestDefaultUniqueOpts: the defaults come from the core (awa-model's UniqueOpts::default) and
// every call returns a fresh value.
func TestDefaultUniqueOpts(t *testing.T) {
	b := newTestBuilder(t)
	ctx := context.Background()
	d := b.DefaultUniqueOpts()
	if d.ByQueue || !d.ByArgs || d.ByPeriod != nil || d.States != 31 {
		t.Fatalf("defaults %+v", d)
	}
	d.ByQueue, d.States = true, 1
	if again := b.DefaultUniqueOpts(); again.ByQueue || again.States != 31 {
		t.Fatalf("a caller's change leaked into the defaults: %+v", again)
	}
	p, err := b.Prepare(ctx, Job{Kind: "k", Unique: b.DefaultUniqueOpts()})
	if err != nil || p.UniqueStates == nil || *p.UniqueStates != "11111000" {
		t.Fatalf("%v %+v", err, p)
	}
}

func TestTypedErrors(t *testing.T) {
	b := newTestBuilder(t)
	ctx := context.Background()
	_, err := b.Prepare(ctx, Job{Kind: "k", Priority: new(int32(7))})
	var e *Error
	if !errors.As(err, &e) || e.Code != "priority_out_of_range" || e.Field != "priority" || e.Message == "" {
		t.Fatalf("got %#v", err)
	}
	_, _, err = b.BuildInsertMany(ctx, []Job{{Kind: "a"}, {Kind: "b", Args: json.RawMessage(`{"x":`)}})
	if !errors.As(err, &e) || e.Code != "invalid_json" || e.Field != "jobs[1].args" {
		t.Fatalf("got %#v", err)
	}
	// Go values the WIT types cannot carry: invalid_argument, before the core
	for _, c := range []struct {
		job   Job
		field string
	}{
		{Job{Kind: "k", Tags: []string{"ok", "\xff"}}, "tags[1]"},
		{Job{Kind: "k\xc3"}, "kind"},
		{Job{Kind: "k", Args: json.RawMessage("\"\xed\xa0\x80\"")}, "args"}, // a UTF-8-encoded surrogate
		{Job{Kind: "k", Metadata: json.RawMessage("\"\xff\"")}, "metadata"},
		{Job{Kind: "k", Args: func() {}}, "args"},
		{Job{Kind: "k", Args: math.NaN()}, "args"},
	} {
		_, err = b.Prepare(ctx, c.job)
		if !errors.As(err, &e) || e.Code != CodeInvalidArgument || e.Field != c.field || !strings.Contains(e.Message, c.field) {
			t.Fatalf("%+v: got %#v", c.job, err)
		}
	}
	_, err = b.PrepareMany(ctx, []Job{{Kind: "a"}, {Kind: "b", Args: json.RawMessage("\"\xff\"")}})
	if !errors.As(err, &e) || e.Code != CodeInvalidArgument || e.Field != "jobs[1].args" || !strings.Contains(e.Message, "not valid UTF-8") {
		t.Fatalf("got %#v", err)
	}
	_, err = b.UniqueStatesMask(ctx, []string{"scheduled", "\xff"})
	if !errors.As(err, &e) || e.Code != CodeInvalidArgument || e.Field != "unique.states[1]" {
		t.Fatalf("got %#v", err)
	}
	_, err = b.PartitionForKey(ctx, "\xff", 4, []byte("k"))
	if !errors.As(err, &e) || e.Code != CodeInvalidArgument || e.Field != "queue" {
		t.Fatalf("got %#v", err)
	}
	_, err = b.InsertManySQL(ctx, -1)
	if !errors.As(err, &e) || e.Code != CodeInvalidArgument || e.Field != "rows" {
		t.Fatalf("got %#v", err)
	}
	_, err = b.PrepareMany(ctx, nil)
	if !errors.As(err, &e) || e.Code != "empty_batch" {
		t.Fatalf("got %#v", err)
	}
}

func TestArgsRawMessageAndValues(t *testing.T) {
	b := newTestBuilder(t)
	ctx := context.Background()
	raw, err := b.Prepare(ctx, Job{Kind: "k", Args: json.RawMessage(`{"f": 1.0, "big": 12345678901234567890}`), Unique: b.DefaultUniqueOpts()})
	if err != nil {
		t.Fatal(err)
	}
	if raw.ArgsJSON != `{"big":12345678901234567890,"f":1.0}` {
		t.Fatalf("raw args %s", raw.ArgsJSON)
	}
	// A float64 1.0 marshals as 1 and a large integer loses precision: a different key.
	val, err := b.Prepare(ctx, Job{Kind: "k", Args: map[string]any{"f": 1.0, "big": 12345678901234567890.0}, Unique: b.DefaultUniqueOpts()})
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
	p, err := b.Prepare(ctx, Job{Kind: "send_email", Args: email{To: "a@b.com"}, Unique: b.DefaultUniqueOpts()})
	if err != nil || hex.EncodeToString(p.UniqueKey) != "ef8febabb370bd83c515cf9f8e9c3600" {
		t.Fatalf("%v %x", err, p.UniqueKey)
	}
}

func TestOptionalValues(t *testing.T) {
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
	args := p.Args()
	if args[6] != nil || args[9] != nil || args[10] != nil || args[11] != nil {
		t.Fatalf("NULLs %#v", args)
	}
	p, err = b.Prepare(ctx, Job{Kind: "k", OrderingKey: []byte{}, RunAt: time.Date(2026, 11, 28, 13, 0, 0, 1500, time.FixedZone("x", 13*3600))})
	if err != nil {
		t.Fatal(err)
	}
	if p.OrderingKey == nil || len(p.OrderingKey) != 0 || p.State != "scheduled" || *p.RunAt != "2026-11-28T00:00:00.000001Z" {
		t.Fatalf("%+v %v", p, *p.RunAt)
	}
	text := "2026-11-28T00:00:00Z"
	if _, err := b.Prepare(ctx, Job{Kind: "k", RunAt: time.Now(), RunAtText: &text}); err == nil {
		t.Fatal("RunAt and RunAtText together must fail")
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
	if m, err := b.UniqueStatesMask(ctx, []string{"scheduled", "available", "running", "completed", "retryable"}); err != nil || m != 31 {
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
	if _, err := b.InsertManySQL(ctx, 0); err == nil {
		t.Fatal("0 rows must fail")
	}
}

// TestMemoryBounded: one pooled instance serves >= 1,000,000 calls; its linear memory must
// not grow after warm-up.
func TestMemoryBounded(t *testing.T) {
	b := newTestBuilder(t, WithMaxInstances(1))
	ctx := context.Background()
	job := Job{Kind: "send_email", Args: json.RawMessage(`{"to":"a@b.com","n":[1,2.5]}`), Tags: []string{"a", "b"},
		Unique: b.DefaultUniqueOpts(), OrderingKey: []byte("customer-42")}
	warm := func() {
		for range 1000 {
			if _, err := b.Prepare(ctx, job); err != nil {
				t.Fatal(err)
			}
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
		if i%50 == 0 {
			if _, err := b.Prepare(ctx, job); err != nil {
				t.Fatal(err)
			}
		} else if _, err := b.KindFromTypeName(ctx, "HTMLToPDF"); err != nil {
			t.Fatal(err)
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
		_, err := in.call(ctx, "prepare", uint64(1<<32-8)) // a job pointer past the end of memory
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
