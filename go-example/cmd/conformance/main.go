// Command conformance is the Go conformance runner (docs/conformance.md): case lines on stdin
// (JSON Lines), one result line per case on stdout, through the public awaenqueue API.
//
//	go run ./cmd/conformance < cases.jsonl > results.jsonl
//	DATABASE_URL=postgres://... go run ./cmd/conformance --enqueue < cases.jsonl
//
// With --enqueue, every prepare case is enqueued through TryEnqueue (pgx) in its own
// committed transaction on DATABASE_URL; other ops are answered as usual.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/jackc/pgx/v5"

	"github.com/awa-enqueue/awa-enqueue/go-example/awaenqueue"
	"github.com/awa-enqueue/awa-enqueue/go-example/internal/conformance"
)

func main() {
	enqueue := flag.Bool("enqueue", false, "enqueue prepare cases into DATABASE_URL (TryEnqueue, one committed transaction each)")
	flag.Parse()
	if err := run(*enqueue); err != nil {
		fmt.Fprintln(os.Stderr, "conformance:", err)
		os.Exit(1)
	}
}

func run(enqueue bool) error {
	ctx := context.Background()
	b, err := awaenqueue.New(ctx, awaenqueue.WithMaxInstances(1))
	if err != nil {
		return err
	}
	defer b.Close(ctx)
	r := &conformance.Runner{Builder: b}
	if enqueue {
		url := os.Getenv("DATABASE_URL")
		if url == "" {
			return errors.New("--enqueue needs DATABASE_URL")
		}
		if r.Conn, err = pgx.Connect(ctx, url); err != nil {
			return err
		}
		defer r.Conn.Close(ctx)
	}
	return r.Run(ctx, os.Stdin, os.Stdout)
}
