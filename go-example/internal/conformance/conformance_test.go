package conformance

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/awa-enqueue/awa-enqueue/go-example/awaenqueue"
)

var testdata = filepath.Join("..", "..", "..", "testdata")

func readLines(t *testing.T, name string) [][]byte {
	t.Helper()
	f, err := os.Open(filepath.Join(testdata, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out [][]byte
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) > 0 {
			out = append(out, bytes.Clone(sc.Bytes()))
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func newBuilder(t testing.TB, opts ...awaenqueue.Option) *awaenqueue.Builder {
	t.Helper()
	ctx := context.Background()
	b, err := awaenqueue.New(ctx, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close(ctx) })
	return b
}

func TestRunnerSurvivesGarbage(t *testing.T) {
	b := newBuilder(t)
	in := "nope\n[1]\n{\"id\":7,\"op\":\"ordering\",\"key_hex\":\"zz\",\"shards\":1}\n" +
		"{\"id\":8,\"op\":\"canonical_json\",\"json\":\"\\udc00\"}\n{\"id\":9,\"op\":\"kind_from_type_name\",\"name\":\"IOError\"}\n"
	var out bytes.Buffer
	if err := (&Runner{Builder: b}).Run(context.Background(), strings.NewReader(in), &out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	want := []string{
		`{"error":{"code":"invalid_case","field":"","message":"not JSON"},"id":null}`,
		`{"error":{"code":"invalid_case","field":"","message":"a case must be a JSON object"},"id":null}`,
		`{"error":{"code":"invalid_case","field":"key_hex","message":"key_hex must be hex"},"id":7}`,
		`{"error":{"code":"invalid_case","field":"","message":"not JSON"},"id":null}`,
		`{"id":9,"ok":{"kind":"io_error"}}`,
	}
	if !reflect.DeepEqual(lines, want) {
		t.Fatalf("got\n%s", strings.Join(lines, "\n"))
	}
}

// TestConcurrentMatchesSequential: 48 goroutines share one Builder; every result line equals
// the sequential run.
func TestConcurrentMatchesSequential(t *testing.T) {
	b := newBuilder(t, awaenqueue.WithMaxInstances(8))
	ctx := context.Background()
	cases := append(readLines(t, "vectors.jsonl"), readLines(t, "bad-inputs.jsonl")...)
	if testing.Short() || raceEnabled {
		cases = cases[:min(len(cases), 600)]
	}
	r := &Runner{Builder: b}
	seq := make([][]byte, len(cases))
	for i, c := range cases {
		seq[i] = r.Line(ctx, c)
	}
	const workers = 48
	var wg sync.WaitGroup
	errs := make(chan string, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range cases {
				i := (k + w*37) % len(cases)
				if got := r.Line(ctx, cases[i]); !bytes.Equal(got, seq[i]) {
					errs <- fmt.Sprintf("worker %d case %d: %s != %s", w, i, got, seq[i])
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
