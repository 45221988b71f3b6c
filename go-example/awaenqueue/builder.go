// Package awaenqueue enqueues Awa jobs from Go, byte-identical to Awa's own Rust and Python
// producers. All derivation (canonical JSON, unique keys, state bits, ordering hashes,
// validation, defaults, SQL text and bind values) runs in the embedded awa-enqueue core module
// under wazero; this package only marshals values and talks to pgx or database/sql.
package awaenqueue

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/tetratelabs/wazero"
	"go.opentelemetry.io/otel/propagation"
)

//go:embed awa_enqueue.wasm
var coreModule []byte

// processCache makes every Builder in a process share one compilation of the core module.
var processCache = wazero.NewCompilationCache()

// ABIVersion is the contract-info abi-version this glue was written for.
const ABIVersion = 2

// Error codes raised by this package itself, for what cannot reach the core (the same codes
// in every awa-enqueue host). Every other code comes from the core.
const (
	// CodeInvalidArgument: a Go value the core's WIT types cannot carry, e.g. a string that is
	// not valid UTF-8 or Args that json.Marshal cannot marshal. Field names the input.
	CodeInvalidArgument = "invalid_argument"
	// CodeModuleTrap: the core module trapped (a core bug); the instance is discarded.
	CodeModuleTrap = "module_trap"
	// CodeABIMismatch: the core module speaks another ABI (version, exports or signatures).
	CodeABIMismatch = "abi_mismatch"
)

// Error is a validation error from the core (or one of the package's own codes above): a
// stable snake_case Code, the input it concerns and a human Message. Field names the input in
// Go's spelling ("Priority", "jobs[3].Unique.ByPeriod", "" when none), ContractField in the
// contract's (the conformance format's) spelling ("priority", "jobs[3].unique.by_period");
// both come from the core.
type Error struct {
	Code          string
	Field         string
	ContractField string
	Message       string
	cause         error
}

func (e *Error) Unwrap() error { return e.cause }

func (e *Error) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("awaenqueue: %s: %s", e.Code, e.Message)
	}
	return fmt.Sprintf("awaenqueue: %s (%s): %s", e.Code, e.Field, e.Message)
}

// JobState is an Awa job state, as named in unique states.
type JobState string

// Awa's job states, in Awa's order (bit 0 of a unique-states mask is JobStateScheduled).
const (
	JobStateScheduled       JobState = "scheduled"
	JobStateAvailable       JobState = "available"
	JobStateRunning         JobState = "running"
	JobStateCompleted       JobState = "completed"
	JobStateRetryable       JobState = "retryable"
	JobStateFailed          JobState = "failed"
	JobStateCancelled       JobState = "cancelled"
	JobStateWaitingExternal JobState = "waiting_external"
)

// UniqueOpts are Awa's uniqueness options, sent to the core as given; the core applies Awa's
// defaults for what is left out. &UniqueOpts{ByArgs: true} is Awa's UniqueOpts::default():
// by args, not by queue, no period, states scheduled..retryable (11111000).
type UniqueOpts struct {
	ByQueue  bool
	ByArgs   bool
	ByPeriod *int64 // period bucket (see PeriodBucket); nil = not by period
	// States claims the key in these states; nil = Awa's default states (a non-nil empty
	// slice claims none).
	States []JobState
	// StatesMask gives the states as a mask instead (bit 0 = scheduled, Awa's order); setting
	// both States and StatesMask is the core's conflicting_states.
	StatesMask *uint8
}

// Job describes one job. Nil pointers take Awa's defaults (filled in by the core).
type Job struct {
	Kind string
	// Args: json.RawMessage is sent as its exact text (the core canonicalizes it); nil means
	// {}; any other value goes through json.Marshal first (see docs/go.md on floats).
	Args        any
	Queue       *string // nil = Awa's default queue
	Priority    *int64  // nil = Awa's default priority; the core checks the range
	MaxAttempts *int64  // nil = Awa's default max attempts; the core checks the range
	// RunAt schedules the job (state "scheduled"); the zero time means none. Sent as an
	// instant (seconds and nanoseconds since the Unix epoch).
	RunAt time.Time
	// RunAtText is an RFC 3339 timestamp sent verbatim: the same option as RunAt, spelled as
	// text (setting both is the core's invalid_run_at).
	RunAtText *string
	// Metadata is treated like Args; nil means {}.
	Metadata    any
	Tags        []string
	Unique      *UniqueOpts // nil = not unique
	OrderingKey []byte      // nil = none; a non-nil empty slice is the empty key
	// Traceparent is a W3C trace context the core writes into metadata as awa:traceparent
	// (unless the metadata has that key); "" = none, or the context's span with WithTraceContext.
	Traceparent string
}

// Prepared holds the 12 parameters of awa.insert_job_compat, in order, and their text bind
// values (BindArgs).
type Prepared struct {
	Kind         string
	Queue        string
	ArgsJSON     string // canonical JSON: exactly what was hashed
	State        string
	Priority     int16
	MaxAttempts  int16
	RunAt        *string // RFC 3339 UTC
	MetadataJSON string
	Tags         []string
	UniqueKey    []byte
	UniqueStates *string // bit(8) text, leftmost = scheduled
	OrderingKey  []byte
	binds        []any
}

// BindArgs returns the 12 bind values of InsertSQL and TryInsertSQL ($1..$12) as the core
// built them: each a string (SQL text the statement casts) or untyped nil (NULL). They bind
// as they are with pgx and with database/sql (pgx stdlib, lib/pq). Index 9 is the unique key
// (the bind of ExistingJobSQL).
func (p *Prepared) BindArgs() []any { return slices.Clone(p.binds) }

// ContractInfo is what the core module reports about itself.
type ContractInfo struct {
	AwaVersion             string
	ABIVersion             uint32
	MinSchemaVersion       int32
	MaxTestedSchemaVersion int32
}

// Partition is a PartitionedQueue routing result.
type Partition struct {
	Index uint32
	Queue string
}

// SchemaStatus is the outcome of CheckSchema.
type SchemaStatus struct {
	SchemaVersion int32
	Tested        bool // false above the newest schema version this contract was tested against
}

type config struct {
	maxInstances int
	runtime      wazero.RuntimeConfig
	traceContext bool
}

// Option configures New.
type Option func(*config)

// WithMaxInstances bounds the instance pool; the pool holds min(n, GOMAXPROCS)+1 instances.
func WithMaxInstances(n int) Option { return func(c *config) { c.maxInstances = n } }

// WithRuntimeConfig replaces the wazero runtime configuration (e.g. the interpreter).
func WithRuntimeConfig(rc wazero.RuntimeConfig) Option { return func(c *config) { c.runtime = rc } }

// WithTraceContext opts in to trace context: a job without its own Traceparent gets the W3C
// traceparent of the span in the call's context (OpenTelemetry), which the core writes into
// metadata as awa:traceparent unless the metadata already has that key. Off by default.
func WithTraceContext() Option { return func(c *config) { c.traceContext = true } }

// contextTraceparent is the W3C traceparent of ctx's span, or nil when it has none.
func contextTraceparent(ctx context.Context) *string {
	carrier := propagation.MapCarrier{}
	propagation.TraceContext{}.Inject(ctx, carrier)
	if tp, ok := carrier["traceparent"]; ok {
		return &tp
	}
	return nil
}

// Builder prepares jobs. It is safe for concurrent use: each call borrows a module instance
// from a pool. Close releases the runtime.
type Builder struct {
	rt       wazero.Runtime
	compiled wazero.CompiledModule
	pool     chan *instance
	slots    chan struct{} // one token per instance that may exist
	info     ContractInfo
	// traceContext: WithTraceContext was given
	traceContext bool
	// SQL text from the core (dollar placeholders), read once
	insertSQL, tryInsertSQL, existingJobSQL, insertManySQL, schemaCheckSQL string
}

// New compiles the embedded core module, checks its ABI (every export with the signature the
// WIT gives it, abi-version 2; otherwise an *Error with code abi_mismatch) and returns a
// Builder.
func New(ctx context.Context, opts ...Option) (*Builder, error) {
	return newBuilder(ctx, coreModule, opts...)
}

func newBuilder(ctx context.Context, module []byte, opts ...Option) (*Builder, error) {
	cfg := config{maxInstances: runtime.GOMAXPROCS(0), runtime: wazero.NewRuntimeConfig().WithCompilationCache(processCache)}
	for _, o := range opts {
		o(&cfg)
	}
	size := min(max(cfg.maxInstances, 1), runtime.GOMAXPROCS(0)) + 1
	rt := wazero.NewRuntimeWithConfig(ctx, cfg.runtime)
	compiled, err := rt.CompileModule(ctx, module)
	if err != nil {
		rt.Close(ctx)
		return nil, fmt.Errorf("awaenqueue: compile core module: %w", err)
	}
	b := &Builder{rt: rt, compiled: compiled, pool: make(chan *instance, size), slots: make(chan struct{}, size),
		traceContext: cfg.traceContext}
	for range size {
		b.slots <- struct{}{}
	}
	err = b.with(ctx, func(in *instance) error {
		var err error
		if b.info, err = in.contractInfo(ctx); err != nil {
			return err
		}
		if b.info.ABIVersion != ABIVersion {
			return abiMismatch("core module speaks abi-version %d, this package needs %d", b.info.ABIVersion, ABIVersion)
		}
		for _, s := range []struct {
			dst *string
			get func(context.Context) (string, error)
		}{
			{&b.insertSQL, in.insertSQL}, {&b.tryInsertSQL, in.tryInsertSQL}, {&b.existingJobSQL, in.existingJobSQL},
			{&b.insertManySQL, in.insertManySQL}, {&b.schemaCheckSQL, in.schemaCheckSQL},
		} {
			if *s.dst, err = s.get(ctx); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		rt.Close(ctx)
		return nil, err
	}
	return b, nil
}

// Close releases all instances and the compiled module.
func (b *Builder) Close(ctx context.Context) error {
	return b.rt.Close(ctx)
}

// ContractInfo returns the handshake values of the embedded core module.
func (b *Builder) ContractInfo() ContractInfo { return b.info }

// Contract is ContractInfo.
//
// Deprecated: use ContractInfo, the name every awa-enqueue host uses.
func (b *Builder) Contract() ContractInfo { return b.info }

func (b *Builder) get(ctx context.Context) (*instance, error) {
	select {
	case in := <-b.pool:
		return in, nil
	default:
	}
	select {
	case in := <-b.pool:
		return in, nil
	case <-b.slots:
		mod, err := b.rt.InstantiateModule(ctx, b.compiled, wazero.NewModuleConfig().WithName(""))
		if err != nil {
			b.slots <- struct{}{}
			return nil, fmt.Errorf("awaenqueue: instantiate core module: %w", err)
		}
		in, err := newInstance(mod)
		if err != nil {
			mod.Close(ctx)
			b.slots <- struct{}{}
			return nil, err
		}
		in.traceContext = b.traceContext
		return in, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// with runs f on a pooled instance; an instance whose call trapped is discarded.
func (b *Builder) with(ctx context.Context, f func(*instance) error) error {
	in, err := b.get(ctx)
	if err != nil {
		return err
	}
	err = f(in)
	if errors.Is(err, errTrap) {
		in.mod.Close(context.WithoutCancel(ctx))
		b.slots <- struct{}{}
		return err
	}
	b.pool <- in
	return err
}

// wireTime is the WIT timestamp.
type wireTime struct {
	seconds int64
	nanos   uint32
}

// wireJob is a Job as the WIT job record carries it: JSON as text, RunAt as an instant, state
// names as strings; all its strings are valid UTF-8.
type wireJob struct {
	kind                         string
	args, queue, runAt, metadata *string
	priority, maxAttempts        *int64
	runAtTime                    *wireTime
	tags                         []string
	unique                       *UniqueOpts
	stateNames                   []string // unique.States, nil when not given
	orderingKey                  []byte
	traceparent                  *string
}

func invalidArgument(field, why string) *wireError {
	return &wireError{code: CodeInvalidArgument, field: field, message: field + " " + why}
}

func jsonText(v any, field string) (*string, *wireError) {
	switch t := v.(type) {
	case nil:
		return nil, nil
	case json.RawMessage:
		if t == nil {
			return nil, nil
		}
		s := string(t)
		return &s, nil
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, invalidArgument(field, "cannot be marshaled as JSON: "+err.Error())
	}
	s := string(raw)
	return &s, nil
}

// utf8Error is the invalid_argument error of a string the WIT cannot carry (nil when valid).
func utf8Error(field string, s string) *wireError {
	if utf8.ValidString(s) {
		return nil
	}
	return invalidArgument(field, "is not valid UTF-8")
}

func optUTF8Error(field string, s *string) *wireError {
	if s == nil {
		return nil
	}
	return utf8Error(field, *s)
}

// listUTF8Error checks a list of strings; elements are named field[i].
func listUTF8Error[S ~string](field string, list []S) *wireError {
	for i, s := range list {
		if e := utf8Error(fmt.Sprintf("%s[%d]", field, i), string(s)); e != nil {
			return e
		}
	}
	return nil
}

// newWireJob converts j; a Go value the WIT cannot carry is an invalid_argument error (fields
// in the contract's spelling, checked in the core's order).
func (in *instance) newWireJob(ctx context.Context, j *Job) (w wireJob, e *wireError) {
	w = wireJob{kind: j.Kind, queue: j.Queue, priority: j.Priority, maxAttempts: j.MaxAttempts, tags: j.Tags,
		runAt: j.RunAtText, unique: j.Unique, orderingKey: j.OrderingKey}
	switch {
	case j.Traceparent != "":
		w.traceparent = &j.Traceparent
	case in.traceContext:
		w.traceparent = contextTraceparent(ctx)
	}
	if e = utf8Error("kind", j.Kind); e != nil {
		return w, e
	}
	if e = optUTF8Error("queue", j.Queue); e != nil {
		return w, e
	}
	if e = listUTF8Error("tags", j.Tags); e != nil {
		return w, e
	}
	if w.args, e = jsonText(j.Args, "args"); e != nil {
		return w, e
	}
	if e = optUTF8Error("args", w.args); e != nil {
		return w, e
	}
	if w.metadata, e = jsonText(j.Metadata, "metadata"); e != nil {
		return w, e
	}
	if e = optUTF8Error("metadata", w.metadata); e != nil {
		return w, e
	}
	if e = optUTF8Error("run_at", j.RunAtText); e != nil {
		return w, e
	}
	if !j.RunAt.IsZero() {
		w.runAtTime = &wireTime{seconds: j.RunAt.Unix(), nanos: uint32(j.RunAt.Nanosecond())}
	}
	if u := j.Unique; u != nil && u.States != nil {
		if e = listUTF8Error("unique.states", u.States); e != nil {
			return w, e
		}
		w.stateNames = make([]string, len(u.States))
		for i, s := range u.States {
			w.stateNames[i] = string(s)
		}
	}
	if e = optUTF8Error("traceparent", w.traceparent); e != nil {
		return w, e
	}
	return w, nil
}

// wireJobs converts a batch; the first bad job fails it (field jobs[i]... from the core).
func (in *instance) wireJobs(ctx context.Context, jobs []Job) ([]wireJob, error) {
	ws := make([]wireJob, len(jobs))
	for i := range jobs {
		var e *wireError
		if ws[i], e = in.newWireJob(ctx, &jobs[i]); e != nil {
			return nil, in.batchError(ctx, i, *e)
		}
	}
	return ws, nil
}

// call runs f on a pooled instance (see with) and returns its value.
func call[T any](ctx context.Context, b *Builder, f func(*instance) (T, error)) (T, error) {
	var v T
	err := b.with(ctx, func(in *instance) (err error) {
		v, err = f(in)
		return err
	})
	return v, err
}

// checked is the first host-side input error (as the core's typed error), or nil.
func (in *instance) checked(ctx context.Context, errs ...*wireError) error {
	for _, e := range errs {
		if e != nil {
			return in.toError(ctx, *e)
		}
	}
	return nil
}

// Prepare validates a job and derives the 12 insert_job_compat values and their binds.
func (b *Builder) Prepare(ctx context.Context, job Job) (Prepared, error) {
	return call(ctx, b, func(in *instance) (Prepared, error) {
		w, e := in.newWireJob(ctx, &job)
		if err := in.checked(ctx, e); err != nil {
			return Prepared{}, err
		}
		return in.prepare(ctx, &w)
	})
}

// PrepareMany prepares a batch, all or nothing (errors name the job as jobs[i]).
func (b *Builder) PrepareMany(ctx context.Context, jobs []Job) ([]Prepared, error) {
	return call(ctx, b, func(in *instance) ([]Prepared, error) {
		ws, err := in.wireJobs(ctx, jobs)
		if err != nil {
			return nil, err
		}
		return in.prepareMany(ctx, ws)
	})
}

// InsertManyBinds returns the 13 text binds of InsertManySQL for jobs (one PostgreSQL array
// literal per column), all or nothing (errors name the job as jobs[i]).
func (b *Builder) InsertManyBinds(ctx context.Context, jobs []Job) ([]string, error) {
	return call(ctx, b, func(in *instance) ([]string, error) {
		ws, err := in.wireJobs(ctx, jobs)
		if err != nil {
			return nil, err
		}
		return in.insertManyBinds(ctx, ws)
	})
}

// InsertSQL is the statement for one job: bind Prepared.BindArgs() as $1..$12. It returns the
// awa.jobs row plus state_str.
func (b *Builder) InsertSQL() string { return b.insertSQL }

// TryInsertSQL is the duplicate-safe statement for one job (same binds as InsertSQL): one row
// with inserted = true and the new job, or inserted = false and the job holding the unique
// key, or no row when that job is not visible to the statement.
func (b *Builder) TryInsertSQL() string { return b.tryInsertSQL }

// ExistingJobSQL returns the job holding a unique key: bind Prepared.BindArgs()[9].
func (b *Builder) ExistingJobSQL() string { return b.existingJobSQL }

// InsertManySQL inserts any number of jobs in one atomic statement: bind InsertManyBinds.
// Rows come back in job order.
func (b *Builder) InsertManySQL() string { return b.insertManySQL }

// SchemaCheckSQL is the one-row query CheckSchema runs.
func (b *Builder) SchemaCheckSQL() string { return b.schemaCheckSQL }

// BuildInsert returns SQL and bind values for one job, for pgx (Query/QueryRow) or
// database/sql (pgx stdlib, lib/pq). The row is awa.jobs plus state_str.
func (b *Builder) BuildInsert(ctx context.Context, job Job) (string, []any, error) {
	p, err := b.Prepare(ctx, job)
	if err != nil {
		return "", nil, err
	}
	return b.insertSQL, p.binds, nil
}

// BuildTryInsert returns the duplicate-safe statement for one job (TryInsertSQL) and its bind
// values: one row with inserted = true and the new job, inserted = false and the job holding the
// unique key, or no row when that job is not visible to the statement.
func (b *Builder) BuildTryInsert(ctx context.Context, job Job) (string, []any, error) {
	p, err := b.Prepare(ctx, job)
	if err != nil {
		return "", nil, err
	}
	return b.tryInsertSQL, p.binds, nil
}

// BuildInsertMany returns one atomic statement inserting all jobs and its 13 bind values (all
// strings); rows come back in job order. Any number of jobs.
func (b *Builder) BuildInsertMany(ctx context.Context, jobs []Job) (string, []any, error) {
	binds, err := b.InsertManyBinds(ctx, jobs)
	if err != nil {
		return "", nil, err
	}
	args := make([]any, len(binds))
	for i, s := range binds {
		args[i] = s
	}
	return b.insertManySQL, args, nil
}

// CanonicalJSON returns the canonical text Awa hashes for any spelling of a JSON value.
func (b *Builder) CanonicalJSON(ctx context.Context, text string) (string, error) {
	return call(ctx, b, func(in *instance) (string, error) {
		if err := in.checked(ctx, utf8Error("json", text)); err != nil {
			return "", err
		}
		return in.canonicalJSON(ctx, text)
	})
}

// UniqueKey returns the 16-byte unique key; nil parts are left out (by_queue / by_args /
// by_period off). argsJSON is JSON text.
func (b *Builder) UniqueKey(ctx context.Context, kind string, queue, argsJSON *string, periodBucket *int64) ([]byte, error) {
	return call(ctx, b, func(in *instance) ([]byte, error) {
		if err := in.checked(ctx, utf8Error("kind", kind), optUTF8Error("queue", queue), optUTF8Error("args", argsJSON)); err != nil {
			return nil, err
		}
		return in.uniqueKey(ctx, kind, queue, argsJSON, periodBucket)
	})
}

// UniqueStatesBits renders a state mask as Awa's bit(8) text (leftmost = scheduled).
func (b *Builder) UniqueStatesBits(ctx context.Context, mask uint8) (string, error) {
	return call(ctx, b, func(in *instance) (string, error) { return in.uniqueStatesBits(ctx, mask) })
}

// UniqueStatesMask builds a state mask from Awa state names.
func (b *Builder) UniqueStatesMask(ctx context.Context, states []JobState) (uint8, error) {
	return call(ctx, b, func(in *instance) (uint8, error) {
		if err := in.checked(ctx, listUTF8Error("unique.states", states)); err != nil {
			return 0, err
		}
		names := make([]string, len(states))
		for i, s := range states {
			names[i] = string(s)
		}
		return in.uniqueStatesMask(ctx, names)
	})
}

// PeriodBucket is floor(epochSeconds / periodSeconds), Awa's by_period convention.
func (b *Builder) PeriodBucket(ctx context.Context, epochSeconds, periodSeconds int64) (int64, error) {
	return call(ctx, b, func(in *instance) (int64, error) { return in.periodBucket(ctx, epochSeconds, periodSeconds) })
}

// OrderingKeyHash64 is Awa's ordering-key hash (ADR-025).
func (b *Builder) OrderingKeyHash64(ctx context.Context, key []byte) (uint64, error) {
	return call(ctx, b, func(in *instance) (uint64, error) { return in.orderingKeyHash64(ctx, key) })
}

// ShardForOrderingKey is the enqueue shard for a queue with the given shard count.
func (b *Builder) ShardForOrderingKey(ctx context.Context, key []byte, shards int16) (int16, error) {
	return call(ctx, b, func(in *instance) (int16, error) { return in.shardForOrderingKey(ctx, key, shards) })
}

// PartitionHash64 is PartitionedQueue's hash of a key.
func (b *Builder) PartitionHash64(ctx context.Context, key []byte) (uint64, error) {
	return call(ctx, b, func(in *instance) (uint64, error) { return in.partitionHash64(ctx, key) })
}

// PartitionForKey routes key to a physical queue; send key as the job's OrderingKey too.
func (b *Builder) PartitionForKey(ctx context.Context, logicalQueue string, partitions uint32, key []byte) (Partition, error) {
	return call(ctx, b, func(in *instance) (Partition, error) {
		if err := in.checked(ctx, utf8Error("queue", logicalQueue)); err != nil {
			return Partition{}, err
		}
		return in.partitionForKey(ctx, logicalQueue, partitions, key)
	})
}

// KindFromTypeName applies Awa's CamelCase -> snake_case kind rule.
func (b *Builder) KindFromTypeName(ctx context.Context, name string) (string, error) {
	return call(ctx, b, func(in *instance) (string, error) {
		if err := in.checked(ctx, utf8Error("name", name)); err != nil {
			return "", err
		}
		return in.kindFromTypeName(ctx, name)
	})
}

// CheckSchemaRow interprets the row of SchemaCheckSQL (its two columns, NULL as nil).
func (b *Builder) CheckSchemaRow(ctx context.Context, schemaVersion *int32, functionArguments *string) (SchemaStatus, error) {
	return call(ctx, b, func(in *instance) (SchemaStatus, error) {
		if err := in.checked(ctx, optUTF8Error("function_arguments", functionArguments)); err != nil {
			return SchemaStatus{}, err
		}
		return in.checkSchema(ctx, schemaVersion, functionArguments)
	})
}

// InterpretSchema is CheckSchemaRow.
//
// Deprecated: use CheckSchemaRow, the name every awa-enqueue host uses.
func (b *Builder) InterpretSchema(ctx context.Context, schemaVersion *int32, functionArguments *string) (SchemaStatus, error) {
	return b.CheckSchemaRow(ctx, schemaVersion, functionArguments)
}
