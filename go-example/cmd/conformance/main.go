// Command conformance runs shared conformance cases (stdin, JSON Lines) through the public
// awaenqueue API and writes one result line per case to stdout.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/awa-enqueue/awa-enqueue/go-example/awaenqueue"
	"github.com/awa-enqueue/awa-enqueue/go-example/conformance"
)

func main() {
	ctx := context.Background()
	b, err := awaenqueue.New(ctx, awaenqueue.WithMaxInstances(1))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer b.Close(ctx)
	if err := conformance.Run(ctx, b, os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
