// Command enqueue inserts Awa jobs through pgx and prints the inserted rows as JSON lines.
//
//	DATABASE_URL=postgres://... go run ./cmd/enqueue -kind send_email -args '{"to":"a@b.c"}' -unique -n 2
//
// With -unique (Awa's default unique options: by args), jobs after the first are duplicates:
// TryEnqueue reports them, with the job holding the key, without aborting the transaction.
// -n > 1 without -unique inserts one batch.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/awa-enqueue/awa-enqueue/go-example/awaenqueue"
)

func main() {
	kind := flag.String("kind", "send_email", "job kind")
	queue := flag.String("queue", "", "queue (empty: Awa's default queue)")
	args := flag.String("args", `{"to":"someone@example.com"}`, "args as JSON text (sent verbatim)")
	unique := flag.Bool("unique", false, "unique by args (Awa's default unique options)")
	orderingKey := flag.String("ordering-key", "", "ordering key (UTF-8)")
	tags := flag.String("tags", "", "comma-separated tags")
	n := flag.Int("n", 1, "how many copies of the job to enqueue")
	flag.Parse()
	if err := run(*kind, *queue, *args, *unique, *orderingKey, *tags, *n); err != nil {
		fmt.Fprintln(os.Stderr, "enqueue:", err)
		os.Exit(1)
	}
}

func run(kind, queue, args string, unique bool, orderingKey, tags string, n int) error {
	ctx := context.Background()
	b, err := awaenqueue.New(ctx)
	if err != nil {
		return err
	}
	defer b.Close(ctx)
	conn, err := pgx.Connect(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	status, err := b.CheckSchema(ctx, conn)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "awa schema version %d (tested: %v), contract %s\n", status.SchemaVersion, status.Tested, b.ContractInfo().AwaVersion)

	job := awaenqueue.Job{Kind: kind, Args: json.RawMessage(args)}
	if queue != "" {
		job.Queue = &queue
	}
	if unique {
		job.Unique = &awaenqueue.UniqueOpts{ByArgs: true}
	}
	if orderingKey != "" {
		job.OrderingKey = []byte(orderingKey)
	}
	if tags != "" {
		job.Tags = strings.Split(tags, ",")
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	var rows []awaenqueue.JobRow
	duplicateOf := map[int]int64{} // index in rows -> id of the job holding the key
	switch {
	case unique:
		for range n {
			res, err := b.TryEnqueue(ctx, tx, job)
			if err != nil {
				return err
			}
			if res.Duplicate {
				var holder int64
				if res.Existing != nil {
					holder = res.Existing.ID
				}
				duplicateOf[len(rows)] = holder
				rows = append(rows, awaenqueue.JobRow{})
				continue
			}
			rows = append(rows, *res.Row)
		}
	case n > 1:
		jobs := make([]awaenqueue.Job, n)
		for i := range jobs {
			jobs[i] = job
		}
		if rows, err = b.EnqueueMany(ctx, tx, jobs); err != nil {
			return err
		}
	default:
		row, err := b.Enqueue(ctx, tx, job)
		if err != nil {
			return err
		}
		rows = append(rows, *row)
	}
	if err := tx.Commit(ctx); err != nil {
		return err
	}
	for i, r := range rows {
		if holder, dup := duplicateOf[i]; dup {
			out, _ := json.Marshal(map[string]any{"duplicate": true, "existing_id": holder})
			fmt.Println(string(out))
			continue
		}
		out, _ := json.Marshal(map[string]any{"id": r.ID, "kind": r.Kind, "queue": r.Queue, "args": r.Args,
			"state": r.State, "priority": r.Priority, "unique_key": fmt.Sprintf("%x", r.UniqueKey), "tags": r.Tags})
		fmt.Println(string(out))
	}
	return nil
}
