// Package awaenqueue enqueues Awa jobs from Go, byte-identical to Awa's own Rust and Python
// producers. All derivation (canonical JSON, unique keys, state bits, ordering hashes,
// validation, SQL) runs in the embedded awa-enqueue core module under wazero; this package
// only marshals values and talks to pgx.
package awaenqueue

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"runtime"
	"time"

	"github.com/tetratelabs/wazero"
)

//go:embed awa_enqueue.wasm
var coreModule []byte

// processCache makes every Builder in a process share one compilation of the core module.
var processCache = wazero.NewCompilationCache()

// ABIVersion is the contract-info abi-version this glue was written for.
const ABIVersion = 1

// Error codes raised by this package itself, for what cannot reach the core (the same codes
// in every awa-enqueue host).
const (
	// CodeInvalidArgument: a Go value the core's WIT types cannot carry, e.g. a string that is
	// not valid UTF-8. Field names the input.
	CodeInvalidArgument = "invalid_argument"
	// CodeModuleTrap: the core module trapped (a core bug); the instance is discarded.
	CodeModuleTrap = "module_trap"
	// CodeABIMismatch: the core module speaks another ABI version.
	CodeABIMismatch = "abi_mismatch"
)

// Error is a validation error from the core (or one of the package's own codes above): a
// stable snake_case Code, the Field it concerns ("" when none, "jobs[3].priority" inside a
// batch) and a human Message.
type Error struct {
	Code    string
	Field   string
	Message string
	cause   error
}

func (e *Error) Unwrap() error { return e.cause }

func (e *Error) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("awaenqueue: %s: %s", e.Code, e.Message)
	}
	return fmt.Sprintf("awaenqueue: %s (%s): %s", e.Code, e.Field, e.Message)
}

// UniqueOpts are Awa's uniqueness options. The zero value hashes the kind only and claims no
// state; start from Builder.DefaultUniqueOpts() for Awa's defaults.
type UniqueOpts struct {
	ByQueue  bool
	ByArgs   bool
	ByPeriod *int64 // period bucket (see PeriodBucket); nil = not by period
	States   uint8  // bit 0 = scheduled (Awa's order)
}

// Job describes one job. Nil pointers take Awa's defaults.
type Job struct {
	Kind string
	// Args: json.RawMessage is sent as its exact text (the core canonicalizes it); nil means
	// {}; any other value goes through json.Marshal first (see docs/go.md on floats).
	Args        any
	Queue       *string // nil = Awa's default queue (filled in by the core)
	Priority    *int32  // nil = Awa's default priority
	MaxAttempts *int32  // nil = Awa's default max attempts
	// RunAt schedules the job (state "scheduled"); the zero time means none.
	RunAt time.Time
	// RunAtText is an RFC 3339 timestamp sent verbatim instead of RunAt (both set is an error).
	RunAtText *string
	// Metadata is treated like Args; nil means {}.
	Metadata    any
	Tags        []string
	Unique      *UniqueOpts // nil = not unique
	OrderingKey []byte      // nil = none; a non-nil empty slice is the empty key
}

// Prepared holds the 12 parameters of awa.insert_job_compat, in order.
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
}

// Args returns the 12 bind values for $1..$12 of the insert SQL (NULL as untyped nil).
func (p *Prepared) Args() []any {
	return p.appendArgs(make([]any, 0, 12))
}

func (p *Prepared) appendArgs(args []any) []any {
	var runAt, states, key, ordering any
	if p.RunAt != nil {
		runAt = *p.RunAt
	}
	if p.UniqueStates != nil {
		states = *p.UniqueStates
	}
	if p.UniqueKey != nil {
		key = p.UniqueKey
	}
	if p.OrderingKey != nil {
		ordering = p.OrderingKey
	}
	tags := p.Tags
	if tags == nil {
		tags = []string{}
	}
	return append(args, p.Kind, p.Queue, p.ArgsJSON, p.State, p.Priority, p.MaxAttempts, runAt,
		p.MetadataJSON, tags, key, states, ordering)
}

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
}

// Option configures New.
type Option func(*config)

// WithMaxInstances bounds the instance pool; the pool holds min(n, GOMAXPROCS)+1 instances.
func WithMaxInstances(n int) Option { return func(c *config) { c.maxInstances = n } }

// WithRuntimeConfig replaces the wazero runtime configuration (e.g. the interpreter).
func WithRuntimeConfig(rc wazero.RuntimeConfig) Option { return func(c *config) { c.runtime = rc } }

// Builder prepares jobs. It is safe for concurrent use: each call borrows a module instance
// from a pool. Close releases the runtime.
type Builder struct {
	rt       wazero.Runtime
	compiled wazero.CompiledModule
	pool     chan *instance
	slots    chan struct{} // one token per instance that may exist
	info     ContractInfo
	sql      string
	unique   UniqueOpts // the core's default-unique-opts
}

// New compiles the embedded core module, checks its ABI version and returns a Builder.
func New(ctx context.Context, opts ...Option) (*Builder, error) {
	cfg := config{maxInstances: runtime.GOMAXPROCS(0), runtime: wazero.NewRuntimeConfig().WithCompilationCache(processCache)}
	for _, o := range opts {
		o(&cfg)
	}
	size := min(max(cfg.maxInstances, 1), runtime.GOMAXPROCS(0)) + 1
	rt := wazero.NewRuntimeWithConfig(ctx, cfg.runtime)
	compiled, err := rt.CompileModule(ctx, coreModule)
	if err != nil {
		rt.Close(ctx)
		return nil, fmt.Errorf("awaenqueue: compile core module: %w", err)
	}
	b := &Builder{rt: rt, compiled: compiled, pool: make(chan *instance, size), slots: make(chan struct{}, size)}
	for range size {
		b.slots <- struct{}{}
	}
	err = b.with(ctx, func(in *instance) error {
		var err error
		if b.info, err = in.contractInfo(ctx); err != nil {
			return err
		}
		if b.info.ABIVersion != ABIVersion {
			return &Error{Code: CodeABIMismatch, Message: fmt.Sprintf("core module speaks abi-version %d, this package needs %d",
				b.info.ABIVersion, ABIVersion)}
		}
		if b.sql, err = in.insertSQL(ctx); err != nil {
			return err
		}
		b.unique, err = in.defaultUniqueOpts(ctx)
		return err
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

// Contract returns the handshake values of the embedded core module.
func (b *Builder) Contract() ContractInfo { return b.info }

// DefaultUniqueOpts returns Awa's default uniqueness options (awa-model's
// UniqueOpts::default(), as the core reports them: by args, states scheduled..retryable).
// Each call returns a new value that the caller may change.
func (b *Builder) DefaultUniqueOpts() *UniqueOpts {
	u := b.unique
	if u.ByPeriod != nil {
		p := *u.ByPeriod
		u.ByPeriod = &p
	}
	return &u
}

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
		if err == nil {
			var in *instance
			if in, err = newInstance(mod); err == nil {
				return in, nil
			}
			mod.Close(ctx)
		}
		b.slots <- struct{}{}
		return nil, fmt.Errorf("awaenqueue: instantiate core module: %w", err)
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

// wireJob is a Job with its JSON and timestamp turned into text.
type wireJob struct {
	kind                  string
	args, queue, runAt    *string
	metadata              *string
	priority, maxAttempts *int32
	tags                  []string
	unique                *UniqueOpts
	orderingKey           []byte
}

func jsonText(v any, field string) (*string, error) {
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
		return nil, &Error{Code: CodeInvalidArgument, Field: field, Message: field + " cannot be marshaled as JSON: " + err.Error()}
	}
	s := string(raw)
	return &s, nil
}

func toWire(j *Job) (w wireJob, err error) {
	w = wireJob{kind: j.Kind, queue: j.Queue, priority: j.Priority, maxAttempts: j.MaxAttempts, tags: j.Tags,
		unique: j.Unique, orderingKey: j.OrderingKey}
	if w.args, err = jsonText(j.Args, "args"); err != nil {
		return w, err
	}
	if w.metadata, err = jsonText(j.Metadata, "metadata"); err != nil {
		return w, err
	}
	switch {
	case j.RunAtText != nil && !j.RunAt.IsZero():
		return w, &Error{Code: "invalid_run_at", Field: "run_at", Message: "set RunAt or RunAtText, not both"}
	case j.RunAtText != nil:
		w.runAt = j.RunAtText
	case !j.RunAt.IsZero():
		s := j.RunAt.Format(time.RFC3339Nano)
		w.runAt = &s
	}
	return w, nil
}

// Prepare validates a job and derives the 12 insert_job_compat values.
func (b *Builder) Prepare(ctx context.Context, job Job) (p Prepared, err error) {
	w, err := toWire(&job)
	if err != nil {
		return p, err
	}
	err = b.with(ctx, func(in *instance) error {
		p, err = in.prepare(ctx, &w)
		return err
	})
	return p, err
}

// PrepareMany prepares a batch, all or nothing (errors name the job as jobs[i]).
func (b *Builder) PrepareMany(ctx context.Context, jobs []Job) (out []Prepared, err error) {
	ws := make([]wireJob, len(jobs))
	for i := range jobs {
		if ws[i], err = toWire(&jobs[i]); err != nil {
			var e *Error
			if errors.As(err, &e) {
				e.Field = fmt.Sprintf("jobs[%d].%s", i, e.Field)
			}
			return nil, err
		}
	}
	err = b.with(ctx, func(in *instance) error {
		out, err = in.prepareMany(ctx, ws)
		return err
	})
	return out, err
}

// InsertSQL is the statement for one job: bind Prepared.Args() as $1..$12.
func (b *Builder) InsertSQL() string { return b.sql }

// InsertManySQL is the statement for rows jobs (12 values per job, in job order).
func (b *Builder) InsertManySQL(ctx context.Context, rows int) (sql string, err error) {
	if rows < 0 || uint64(rows) > math.MaxUint32 {
		return "", &Error{Code: CodeInvalidArgument, Field: "rows", Message: fmt.Sprintf("rows must fit a u32, got %d", rows)}
	}
	err = b.with(ctx, func(in *instance) error {
		sql, err = in.insertManySQL(ctx, uint32(rows))
		return err
	})
	return sql, err
}

// BuildInsert returns SQL and bind values for one job, for pgx QueryRow or database/sql
// (through github.com/jackc/pgx/v5/stdlib). The row is awa.jobs plus state_str.
func (b *Builder) BuildInsert(ctx context.Context, job Job) (string, []any, error) {
	p, err := b.Prepare(ctx, job)
	if err != nil {
		return "", nil, err
	}
	return b.sql, p.Args(), nil
}

// BuildInsertMany returns one atomic statement inserting all jobs; rows come back in order.
func (b *Builder) BuildInsertMany(ctx context.Context, jobs []Job) (string, []any, error) {
	ps, err := b.PrepareMany(ctx, jobs)
	if err != nil {
		return "", nil, err
	}
	sql, err := b.InsertManySQL(ctx, len(ps))
	if err != nil {
		return "", nil, err
	}
	args := make([]any, 0, 12*len(ps))
	for i := range ps {
		args = ps[i].appendArgs(args)
	}
	return sql, args, nil
}

// CanonicalJSON returns the canonical text Awa hashes for any spelling of a JSON value.
func (b *Builder) CanonicalJSON(ctx context.Context, text string) (out string, err error) {
	err = b.with(ctx, func(in *instance) error {
		out, err = in.canonicalJSON(ctx, text)
		return err
	})
	return out, err
}

// UniqueKey returns the 16-byte unique key; nil parts are left out (by_queue / by_args /
// by_period off). argsJSON is JSON text.
func (b *Builder) UniqueKey(ctx context.Context, kind string, queue, argsJSON *string, periodBucket *int64) (key []byte, err error) {
	err = b.with(ctx, func(in *instance) error {
		key, err = in.uniqueKey(ctx, kind, queue, argsJSON, periodBucket)
		return err
	})
	return key, err
}

// UniqueStatesBits renders a state mask as Awa's bit(8) text (leftmost = scheduled).
func (b *Builder) UniqueStatesBits(ctx context.Context, mask uint8) (s string, err error) {
	err = b.with(ctx, func(in *instance) error {
		s, err = in.uniqueStatesBits(ctx, mask)
		return err
	})
	return s, err
}

// UniqueStatesMask builds a state mask from Awa state names.
func (b *Builder) UniqueStatesMask(ctx context.Context, states []string) (mask uint8, err error) {
	err = b.with(ctx, func(in *instance) error {
		mask, err = in.uniqueStatesMask(ctx, states)
		return err
	})
	return mask, err
}

// PeriodBucket is floor(epochSeconds / periodSeconds), Awa's by_period convention.
func (b *Builder) PeriodBucket(ctx context.Context, epochSeconds, periodSeconds int64) (v int64, err error) {
	err = b.with(ctx, func(in *instance) error {
		v, err = in.periodBucket(ctx, epochSeconds, periodSeconds)
		return err
	})
	return v, err
}

// OrderingKeyHash64 is Awa's ordering-key hash (ADR-025).
func (b *Builder) OrderingKeyHash64(ctx context.Context, key []byte) (h uint64, err error) {
	err = b.with(ctx, func(in *instance) error {
		h, err = in.orderingKeyHash64(ctx, key)
		return err
	})
	return h, err
}

// ShardForOrderingKey is the enqueue shard for a queue with the given shard count.
func (b *Builder) ShardForOrderingKey(ctx context.Context, key []byte, shards int16) (s int16, err error) {
	err = b.with(ctx, func(in *instance) error {
		s, err = in.shardForOrderingKey(ctx, key, shards)
		return err
	})
	return s, err
}

// PartitionHash64 is PartitionedQueue's hash of a key.
func (b *Builder) PartitionHash64(ctx context.Context, key []byte) (h uint64, err error) {
	err = b.with(ctx, func(in *instance) error {
		h, err = in.partitionHash64(ctx, key)
		return err
	})
	return h, err
}

// PartitionForKey routes key to a physical queue; send key as the job's OrderingKey too.
func (b *Builder) PartitionForKey(ctx context.Context, logicalQueue string, partitions uint32, key []byte) (p Partition, err error) {
	err = b.with(ctx, func(in *instance) error {
		p, err = in.partitionForKey(ctx, logicalQueue, partitions, key)
		return err
	})
	return p, err
}

// KindFromTypeName applies Awa's CamelCase -> snake_case kind rule.
func (b *Builder) KindFromTypeName(ctx context.Context, name string) (kind string, err error) {
	err = b.with(ctx, func(in *instance) error {
		kind, err = in.kindFromTypeName(ctx, name)
		return err
	})
	return kind, err
}

// SchemaCheckSQL is the one-row query CheckSchema runs.
func (b *Builder) SchemaCheckSQL(ctx context.Context) (sql string, err error) {
	err = b.with(ctx, func(in *instance) error {
		sql, err = in.schemaCheckSQL(ctx)
		return err
	})
	return sql, err
}

// InterpretSchema interprets the row of SchemaCheckSQL (its two columns, NULL as nil).
func (b *Builder) InterpretSchema(ctx context.Context, schemaVersion *int32, functionArguments *string) (s SchemaStatus, err error) {
	err = b.with(ctx, func(in *instance) error {
		s, err = in.checkSchema(ctx, schemaVersion, functionArguments)
		return err
	})
	return s, err
}
