package awaenqueue

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/lib/pq"
)

// DB is what the pgx helpers need: pgx.Tx, *pgx.Conn, *pgxpool.Pool and *pgxpool.Conn all
// satisfy it.
type DB interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// StdDB is what the database/sql helpers (the ...Std methods) need: *sql.DB, *sql.Tx and
// *sql.Conn all satisfy it, with any PostgreSQL driver (pgx stdlib, lib/pq).
type StdDB interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// UniqueConstraint is the constraint Awa reports for a duplicate unique key.
const UniqueConstraint = "idx_awa_jobs_unique"

// JobRow holds the useful columns of the awa.jobs row an insert returns.
type JobRow struct {
	ID          int64
	Kind        string
	Queue       string
	Args        json.RawMessage
	State       string
	Priority    int16
	Attempt     int16
	MaxAttempts int16
	RunAt       time.Time
	CreatedAt   time.Time
	Metadata    json.RawMessage
	Tags        []string
	UniqueKey   []byte
	inserted    bool // try-insert-sql's column: false for the job holding the key
}

// InsertResult is the outcome of TryEnqueue: the new job, or Duplicate with the job holding
// the unique key (Existing is nil when that job is not visible, e.g. not yet committed).
type InsertResult struct {
	Row       *JobRow
	Duplicate bool
	Existing  *JobRow
}

// session is one database handle, through pgx or database/sql.
type session interface {
	query(ctx context.Context, sql string, args []any) ([]JobRow, error)
	exec(ctx context.Context, sql string) error
	// inTransaction reports whether statements run inside an open transaction.
	inTransaction(ctx context.Context) (bool, error)
}

// txActive reports whether a PostgreSQL ReadyForQuery status is inside a transaction
// ('T', or 'E' for a failed one), not idle ('I').
func txActive(status byte) bool { return status == 'T' || status == 'E' }

type pgxSession struct{ db DB }

func (s pgxSession) query(ctx context.Context, q string, args []any) ([]JobRow, error) {
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []JobRow
	for rows.Next() {
		var r JobRow
		if err := rows.Scan(r.pgxTargets(rows.FieldDescriptions())...); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func (s pgxSession) exec(ctx context.Context, q string) error {
	_, err := s.db.Exec(ctx, q)
	return err
}

func (s pgxSession) inTransaction(context.Context) (bool, error) {
	switch db := s.db.(type) {
	case pgx.Tx:
		return true, nil
	case interface{ PgConn() *pgconn.PgConn }: // *pgx.Conn
		return txActive(db.PgConn().TxStatus()), nil
	case interface{ Conn() *pgx.Conn }: // *pgxpool.Conn
		return txActive(db.Conn().PgConn().TxStatus()), nil
	}
	return false, nil // *pgxpool.Pool: every statement on its own
}

// pgxTargets maps the returned columns onto r (nil skips a column).
func (r *JobRow) pgxTargets(fields []pgconn.FieldDescription) []any {
	dest := make([]any, len(fields))
	for i, f := range fields {
		switch f.Name {
		case "inserted":
			dest[i] = &r.inserted
		case "id":
			dest[i] = &r.ID
		case "kind":
			dest[i] = &r.Kind
		case "queue":
			dest[i] = &r.Queue
		case "args":
			dest[i] = &r.Args
		case "state_str":
			dest[i] = &r.State
		case "priority":
			dest[i] = &r.Priority
		case "attempt":
			dest[i] = &r.Attempt
		case "max_attempts":
			dest[i] = &r.MaxAttempts
		case "run_at":
			dest[i] = &r.RunAt
		case "created_at":
			dest[i] = &r.CreatedAt
		case "metadata":
			dest[i] = &r.Metadata
		case "tags":
			dest[i] = &r.Tags
		case "unique_key":
			dest[i] = &r.UniqueKey
		}
	}
	return dest
}

type stdSession struct{ db StdDB }

func (s stdSession) query(ctx context.Context, q string, args []any) ([]JobRow, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var out []JobRow
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		var r JobRow
		if err := r.setStd(cols, vals); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func (s stdSession) exec(ctx context.Context, q string) error {
	_, err := s.db.ExecContext(ctx, q)
	return err
}

func (s stdSession) inTransaction(ctx context.Context) (bool, error) {
	switch db := s.db.(type) {
	case *sql.Tx:
		return true, nil
	case *sql.Conn:
		// pgx's stdlib connection tells its transaction status; other drivers' do not (a
		// *sql.Conn of theirs counts as outside a transaction).
		active := false
		err := db.Raw(func(dc any) error {
			if c, ok := dc.(interface{ Conn() *pgx.Conn }); ok {
				active = txActive(c.Conn().PgConn().TxStatus())
			}
			return nil
		})
		return active, err
	}
	return false, nil // *sql.DB: every statement on its own
}

// setStd assigns the values database/sql scanned (driver types differ between pgx stdlib and
// lib/pq: text as string or []byte, arrays as their text form).
func (r *JobRow) setStd(cols []string, vals []any) error {
	for i, c := range cols {
		v := vals[i]
		var err error
		switch c {
		case "inserted":
			r.inserted, err = stdValue[bool](c, v)
		case "id":
			r.ID, err = stdValue[int64](c, v)
		case "kind":
			r.Kind, err = stdText(c, v)
		case "queue":
			r.Queue, err = stdText(c, v)
		case "state_str":
			r.State, err = stdText(c, v)
		case "args":
			r.Args, err = stdBytes(c, v)
		case "metadata":
			r.Metadata, err = stdBytes(c, v)
		case "unique_key":
			r.UniqueKey, err = stdBytes(c, v)
		case "priority":
			r.Priority, err = stdInt16(c, v)
		case "attempt":
			r.Attempt, err = stdInt16(c, v)
		case "max_attempts":
			r.MaxAttempts, err = stdInt16(c, v)
		case "run_at":
			r.RunAt, err = stdValue[time.Time](c, v)
		case "created_at":
			r.CreatedAt, err = stdValue[time.Time](c, v)
		case "tags":
			var tags pq.StringArray
			if err = tags.Scan(v); err == nil {
				r.Tags = []string(tags)
			}
		}
		if err != nil {
			return fmt.Errorf("awaenqueue: column %s: %w", c, err)
		}
	}
	return nil
}

func stdValue[T any](col string, v any) (T, error) {
	t, ok := v.(T)
	if !ok && v != nil {
		return t, fmt.Errorf("unexpected %T for %s", v, col)
	}
	return t, nil
}

func stdText(col string, v any) (string, error) {
	if b, ok := v.([]byte); ok {
		return string(b), nil
	}
	return stdValue[string](col, v)
}

func stdBytes(col string, v any) ([]byte, error) {
	switch t := v.(type) {
	case nil:
		return nil, nil
	case []byte:
		return append([]byte{}, t...), nil
	case string:
		return []byte(t), nil
	}
	return nil, fmt.Errorf("unexpected %T for %s", v, col)
}

func stdInt16(col string, v any) (int16, error) {
	n, err := stdValue[int64](col, v)
	return int16(n), err
}

// insertOne runs insert-sql for job on s and returns the row.
func (b *Builder) insertOne(ctx context.Context, s session, job Job) (*JobRow, error) {
	sql, args, err := b.BuildInsert(ctx, job)
	if err != nil {
		return nil, err
	}
	rows, err := s.query(ctx, sql, args)
	if err != nil {
		return nil, err
	}
	if len(rows) != 1 {
		return nil, fmt.Errorf("awaenqueue: insert returned %d rows", len(rows))
	}
	return &rows[0], nil
}

func (b *Builder) insertMany(ctx context.Context, s session, jobs []Job) ([]JobRow, error) {
	sql, args, err := b.BuildInsertMany(ctx, jobs)
	if err != nil {
		return nil, err
	}
	rows, err := s.query(ctx, sql, args)
	if err != nil {
		return nil, err
	}
	if len(rows) != len(jobs) {
		return nil, fmt.Errorf("awaenqueue: insert returned %d rows for %d jobs", len(rows), len(jobs))
	}
	return rows, nil
}

// The savepoint that TryEnqueue takes inside a caller's transaction.
const (
	savepoint           = "SAVEPOINT awa_enqueue_try_insert"
	rollbackToSavepoint = "ROLLBACK TO SAVEPOINT awa_enqueue_try_insert"
	releaseSavepoint    = "RELEASE SAVEPOINT awa_enqueue_try_insert"
)

// tryInsert runs try-insert-sql for job on s (see TryEnqueue).
func (b *Builder) tryInsert(ctx context.Context, s session, job Job) (InsertResult, error) {
	p, err := b.Prepare(ctx, job)
	if err != nil {
		return InsertResult{}, err
	}
	inTx := false
	if p.UniqueKey != nil { // without a key there is no duplicate to race
		if inTx, err = s.inTransaction(ctx); err != nil {
			return InsertResult{}, err
		}
	}
	if !inTx {
		// One statement on its own is atomic: a race duplicate leaves nothing to undo.
		rows, err := s.query(ctx, b.tryInsertSQL, p.binds)
		if IsUniqueConflict(err) {
			return b.existing(ctx, s, &p)
		}
		if err != nil {
			return InsertResult{}, err
		}
		return tryResult(rows)
	}
	if err := s.exec(ctx, savepoint); err != nil {
		return InsertResult{}, err
	}
	rows, err := s.query(ctx, b.tryInsertSQL, p.binds)
	if IsUniqueConflict(err) {
		// Undo only this statement: the caller's transaction stays usable.
		if rbErr := s.exec(ctx, rollbackToSavepoint); rbErr != nil {
			return InsertResult{}, errors.Join(err, rbErr)
		}
		if err := s.exec(ctx, releaseSavepoint); err != nil {
			return InsertResult{}, err
		}
		return b.existing(ctx, s, &p)
	}
	if err != nil {
		return InsertResult{}, err // as any failed statement: the transaction is aborted
	}
	if err := s.exec(ctx, releaseSavepoint); err != nil {
		return InsertResult{}, err
	}
	return tryResult(rows)
}

func tryResult(rows []JobRow) (InsertResult, error) {
	switch {
	case len(rows) == 0:
		return InsertResult{Duplicate: true}, nil
	case len(rows) > 1:
		return InsertResult{}, fmt.Errorf("awaenqueue: try-insert returned %d rows", len(rows))
	case rows[0].inserted:
		return InsertResult{Row: &rows[0]}, nil
	default:
		return InsertResult{Duplicate: true, Existing: &rows[0]}, nil
	}
}

// existing is the result of a race duplicate: the job holding p's unique key, looked up with
// existing-job-sql.
func (b *Builder) existing(ctx context.Context, s session, p *Prepared) (InsertResult, error) {
	rows, err := s.query(ctx, b.existingJobSQL, p.binds[9:10])
	if err != nil {
		return InsertResult{}, err
	}
	r := InsertResult{Duplicate: true}
	if len(rows) > 0 {
		r.Existing = &rows[0]
	}
	return r, nil
}

// Enqueue prepares job and inserts it through db (a Tx, Conn or Pool), returning the row.
// A duplicate unique key is a *pgconn.PgError for which IsUniqueConflict reports true; in a
// transaction it aborts the transaction (see TryEnqueue).
func (b *Builder) Enqueue(ctx context.Context, db DB, job Job) (*JobRow, error) {
	return b.insertOne(ctx, pgxSession{db}, job)
}

// EnqueueMany inserts all jobs (any number) in one atomic statement and returns their rows in
// job order.
func (b *Builder) EnqueueMany(ctx context.Context, db DB, jobs []Job) ([]JobRow, error) {
	return b.insertMany(ctx, pgxSession{db}, jobs)
}

// TryEnqueue inserts job unless a job already holds its unique key; a duplicate is a normal
// result (Duplicate, with the Existing job when it is visible), not an error.
//
// It runs the core's try-insert-sql, which never fails on a duplicate it can see. Inside a
// transaction (a pgx.Tx, or a *pgx.Conn / *pgxpool.Conn whose transaction status is in a
// transaction) a job with a unique key is inserted under a savepoint, so that a duplicate that
// races the guard (23505 on idx_awa_jobs_unique: another transaction committed the key after
// the guard looked) rolls back only the savepoint and the caller's transaction stays usable;
// the job holding the key is then looked up with existing-job-sql. Outside a transaction no
// savepoint is sent (the statement is atomic on its own). Any other failure is returned as
// it is and leaves a transaction aborted, as a failed statement does.
func (b *Builder) TryEnqueue(ctx context.Context, db DB, job Job) (InsertResult, error) {
	return b.tryInsert(ctx, pgxSession{db}, job)
}

// EnqueueStd is Enqueue through database/sql (*sql.DB, *sql.Tx or *sql.Conn).
func (b *Builder) EnqueueStd(ctx context.Context, db StdDB, job Job) (*JobRow, error) {
	return b.insertOne(ctx, stdSession{db}, job)
}

// EnqueueManyStd is EnqueueMany through database/sql.
func (b *Builder) EnqueueManyStd(ctx context.Context, db StdDB, jobs []Job) ([]JobRow, error) {
	return b.insertMany(ctx, stdSession{db}, jobs)
}

// TryEnqueueStd is TryEnqueue through database/sql: a *sql.Tx is a transaction (savepoint), a
// *sql.DB is not, a *sql.Conn is when its driver connection is pgx's and in a transaction
// (other drivers do not tell; their *sql.Conn counts as outside a transaction).
func (b *Builder) TryEnqueueStd(ctx context.Context, db StdDB, job Job) (InsertResult, error) {
	return b.tryInsert(ctx, stdSession{db}, job)
}

// IsUniqueConflict reports whether err is Awa's duplicate-unique-key error (SQLSTATE 23505 on
// constraint idx_awa_jobs_unique), from pgx, pgx's database/sql driver or lib/pq.
func IsUniqueConflict(err error) bool {
	if pg, ok := errors.AsType[*pgconn.PgError](err); ok {
		return pg.Code == "23505" && pg.ConstraintName == UniqueConstraint
	}
	if pe, ok := errors.AsType[*pq.Error](err); ok {
		return pe.Code == "23505" && pe.Constraint == UniqueConstraint
	}
	return false
}

// CheckSchema runs the core's schema query and interprets it: an *Error when the database
// cannot take this contract's inserts (schema missing, too old, function missing/mismatch).
func (b *Builder) CheckSchema(ctx context.Context, db DB) (SchemaStatus, error) {
	var version *int32
	var args *string
	if err := db.QueryRow(ctx, b.schemaCheckSQL).Scan(&version, &args); err != nil {
		return SchemaStatus{}, err
	}
	return b.CheckSchemaRow(ctx, version, args)
}

// CheckSchemaStd is CheckSchema through database/sql.
func (b *Builder) CheckSchemaStd(ctx context.Context, db StdDB) (SchemaStatus, error) {
	rows, err := db.QueryContext(ctx, b.schemaCheckSQL)
	if err != nil {
		return SchemaStatus{}, err
	}
	defer rows.Close()
	var version sql.NullInt32
	var args sql.NullString
	if !rows.Next() {
		return SchemaStatus{}, errors.Join(errors.New("awaenqueue: the schema check returned no row"), rows.Err())
	}
	if err := rows.Scan(&version, &args); err != nil {
		return SchemaStatus{}, err
	}
	var v *int32
	var a *string
	if version.Valid {
		v = &version.Int32
	}
	if args.Valid {
		a = &args.String
	}
	return b.CheckSchemaRow(ctx, v, a)
}
