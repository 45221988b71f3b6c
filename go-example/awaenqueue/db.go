package awaenqueue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// DB is what the helpers need from pgx: pgx.Tx, *pgx.Conn and *pgxpool.Pool all satisfy it.
type DB interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// TxBeginner can open a (nested) transaction: pgx.Tx opens a savepoint.
type TxBeginner interface {
	DB
	Begin(ctx context.Context) (pgx.Tx, error)
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
}

func (r *JobRow) targets(fields []pgconn.FieldDescription) []any {
	dest := make([]any, len(fields))
	for i, f := range fields {
		switch f.Name {
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

func scanJobRows(rows pgx.Rows) ([]JobRow, error) {
	defer rows.Close()
	var out []JobRow
	for rows.Next() {
		var r JobRow
		if err := rows.Scan(r.targets(rows.FieldDescriptions())...); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Enqueue prepares job and inserts it through db (a Tx, Conn or Pool), returning the row.
// A duplicate unique key is a *pgconn.PgError for which IsUniqueConflict reports true; in a
// transaction it aborts the transaction (see EnqueueSavepoint).
func (b *Builder) Enqueue(ctx context.Context, db DB, job Job) (*JobRow, error) {
	sql, args, err := b.BuildInsert(ctx, job)
	if err != nil {
		return nil, err
	}
	rows, err := scanJobRows(mustQuery(db.Query(ctx, sql, args...)))
	if err != nil {
		return nil, err
	}
	if len(rows) != 1 {
		return nil, fmt.Errorf("awaenqueue: insert returned %d rows", len(rows))
	}
	return &rows[0], nil
}

// EnqueueMany inserts all jobs in one atomic statement and returns their rows in job order.
func (b *Builder) EnqueueMany(ctx context.Context, db DB, jobs []Job) ([]JobRow, error) {
	sql, args, err := b.BuildInsertMany(ctx, jobs)
	if err != nil {
		return nil, err
	}
	rows, err := scanJobRows(mustQuery(db.Query(ctx, sql, args...)))
	if err != nil {
		return nil, err
	}
	if len(rows) != len(jobs) {
		return nil, fmt.Errorf("awaenqueue: insert returned %d rows for %d jobs", len(rows), len(jobs))
	}
	return rows, nil
}

// EnqueueSavepoint inserts job inside a savepoint of db. A duplicate unique key rolls back
// only the savepoint and returns (nil, true, nil), so the caller's transaction goes on.
func (b *Builder) EnqueueSavepoint(ctx context.Context, db TxBeginner, job Job) (row *JobRow, duplicate bool, err error) {
	sql, args, err := b.BuildInsert(ctx, job)
	if err != nil {
		return nil, false, err
	}
	sp, err := db.Begin(ctx)
	if err != nil {
		return nil, false, err
	}
	rows, err := scanJobRows(mustQuery(sp.Query(ctx, sql, args...)))
	if err != nil {
		rbErr := sp.Rollback(ctx)
		if IsUniqueConflict(err) && rbErr == nil {
			return nil, true, nil
		}
		return nil, false, errors.Join(err, rbErr)
	}
	if err := sp.Commit(ctx); err != nil {
		return nil, false, err
	}
	if len(rows) != 1 {
		return nil, false, fmt.Errorf("awaenqueue: insert returned %d rows", len(rows))
	}
	return &rows[0], false, nil
}

// IsUniqueConflict reports whether err is Awa's duplicate-unique-key error
// (SQLSTATE 23505 on constraint idx_awa_jobs_unique).
func IsUniqueConflict(err error) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && pg.Code == "23505" && pg.ConstraintName == UniqueConstraint
}

// CheckSchema runs the core's schema query and interprets it: an *Error when the database
// cannot take this contract's inserts (schema missing, too old, function missing/mismatch).
func (b *Builder) CheckSchema(ctx context.Context, db DB) (SchemaStatus, error) {
	sql, err := b.SchemaCheckSQL(ctx)
	if err != nil {
		return SchemaStatus{}, err
	}
	var version *int32
	var args *string
	if err := db.QueryRow(ctx, sql).Scan(&version, &args); err != nil {
		return SchemaStatus{}, err
	}
	return b.InterpretSchema(ctx, version, args)
}

type errRows struct {
	pgx.Rows
	err error
}

func (e errRows) Close()                                       {}
func (e errRows) Err() error                                   { return e.err }
func (e errRows) Next() bool                                   { return false }
func (e errRows) FieldDescriptions() []pgconn.FieldDescription { return nil }

// mustQuery folds a Query error into the Rows so callers handle one error path.
func mustQuery(rows pgx.Rows, err error) pgx.Rows {
	if err != nil {
		return errRows{err: err}
	}
	return rows
}
