package awaenqueue

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"sync"
	"weak"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/awa-enqueue/awa-enqueue/go-example/internal/abi"
)

// PartResult is the outcome of one part of EnqueueManyParallel.
type PartResult struct {
	Jobs []int    // positions of the part's jobs in the batch, ascending
	Rows []JobRow // the part's rows in the order of Jobs; nil when the part failed
	Err  error    // the part's error (nothing of the part was stored); nil when it committed
}

// ParallelResult is the outcome of EnqueueManyParallel.
type ParallelResult struct {
	Rows  []*JobRow // one per job, in input order; nil when the job's part failed
	Parts []PartResult
}

// Err joins the errors of the failed parts (nil when every part committed).
func (r *ParallelResult) Err() error {
	var errs []error
	for _, p := range r.Parts {
		if p.Err != nil {
			errs = append(errs, p.Err)
		}
	}
	return errors.Join(errs...)
}

// batchPart is the WIT batch-part record.
type batchPart struct {
	jobs  []uint32
	binds []string
}

func (in *instance) insertManyParts(ctx context.Context, jobs []wireJob, parts uint32, split uint64) (out []batchPart, err error) {
	ptr, n, err := in.writeJobs(ctx, jobs)
	if err != nil {
		return nil, err
	}
	err = in.resultCall(ctx, abi.InsertManyParts, abi.InsertManyPartsResultPayload, func(r *reader, off uint32) {
		items, n := r.list(off, abi.BatchPartSize)
		out = make([]batchPart, n)
		for i := range out {
			at := uint32(i) * abi.BatchPartSize
			idx, m := items.list(at+abi.BatchPartJobs, abi.BatchPartJobsElemSize)
			out[i].jobs = make([]uint32, m)
			for k := range out[i].jobs {
				out[i].jobs[k] = idx.u32(uint32(k) * abi.BatchPartJobsElemSize)
			}
			out[i].binds = items.strList(at+abi.BatchPartBinds, abi.BatchPartBindsElemSize)
			if idx.err != nil {
				items.fail("%v", idx.err)
			}
		}
		if items.err != nil {
			r.fail("%v", items.err)
		}
	}, ptr, n, uint64(parts), split)
	return out, err
}

// engines caches each pool's storage engine: a database only moves from canonical to queue
// storage, and a stale "canonical" only splits contiguously.
var engines sync.Map // weak.Pointer[pgxpool.Pool] -> string

func (b *Builder) storageEngine(ctx context.Context, pool *pgxpool.Pool) (string, error) {
	key := weak.Make(pool)
	if e, ok := engines.Load(key); ok {
		return e.(string), nil
	}
	var q string
	if err := b.with(ctx, func(in *instance) (err error) {
		q, err = in.stringCall(ctx, abi.StorageEngineSQL)
		return err
	}); err != nil {
		return "", err
	}
	var engine string
	if err := pool.QueryRow(ctx, q).Scan(&engine); err != nil {
		return "", err
	}
	if _, loaded := engines.LoadOrStore(key, engine); !loaded {
		runtime.AddCleanup(pool, func(k weak.Pointer[pgxpool.Pool]) { engines.Delete(k) }, key)
	}
	return engine, nil
}

// EnqueueManyParallel inserts jobs in at most n parts, run concurrently, each one statement on
// its own pool connection. Atomicity is per part, not for the batch: a failed part stores none
// of its jobs while the others commit. The core splits the batch: by queue in queue storage
// (parts share no lane locks), contiguous in canonical storage (the engine is looked up once
// per pool).
//
// Invalid input fails before anything is written (an *Error, nil result). Otherwise the result
// holds every part's outcome; when a part failed the error is result.Err() (errors of the
// failed parts joined; IsUniqueConflict sees a duplicate in it).
func (b *Builder) EnqueueManyParallel(ctx context.Context, pool *pgxpool.Pool, jobs []Job, n int) (*ParallelResult, error) {
	if pool == nil {
		return nil, errors.New("awaenqueue: EnqueueManyParallel needs a pool")
	}
	engine, err := b.storageEngine(ctx, pool)
	if err != nil {
		return nil, err
	}
	split := uint64(abi.BatchSplitContiguous)
	if engine == "queue_storage" {
		split = abi.BatchSplitByQueue
	}
	// saturated: the core's own check (parts >= 1) reports anything below
	count := uint32(min(max(int64(n), 0), math.MaxUint32))
	var parts []batchPart
	err = b.with(ctx, func(in *instance) error {
		ws, err := in.wireJobs(ctx, jobs)
		if err != nil {
			return err
		}
		parts, err = in.insertManyParts(ctx, ws, count, split)
		return err
	})
	if err != nil {
		return nil, err
	}
	res := &ParallelResult{Rows: make([]*JobRow, len(jobs)), Parts: make([]PartResult, len(parts))}
	var wg sync.WaitGroup
	for i, p := range parts {
		wg.Go(func() {
			out := &res.Parts[i]
			out.Jobs = make([]int, len(p.jobs))
			for k, j := range p.jobs {
				out.Jobs[k] = int(j)
			}
			args := make([]any, len(p.binds))
			for k, s := range p.binds {
				args[k] = s
			}
			rows, err := pgxSession{pool}.query(ctx, b.insertManySQL, args)
			if err == nil && len(rows) != len(p.jobs) {
				err = fmt.Errorf("awaenqueue: a part returned %d rows for %d jobs", len(rows), len(p.jobs))
			}
			if err != nil {
				out.Err = err
				return
			}
			out.Rows = rows
			for k, j := range out.Jobs {
				res.Rows[j] = &rows[k]
			}
		})
	}
	wg.Wait()
	return res, res.Err()
}
