// Command modzip writes one module version into a GOPROXY file tree: @v/list, VERSION.info,
// VERSION.mod and VERSION.zip, the zip built by golang.org/x/mod/zip.CreateFromDir (module
// zip rules; nested modules, VCS and vendor directories left out) and checked by CheckZip.
// It prints the module, version, file count and the go.sum hashes.
//
//	go run . -dir DIR -module PATH -version vX.Y.Z -time RFC3339 -out PROXYDIR
package main

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
	"golang.org/x/mod/sumdb/dirhash"
	modzip "golang.org/x/mod/zip"
)

func main() {
	dir := flag.String("dir", "", "module root directory (holds go.mod)")
	path := flag.String("module", "", "module path (must match go.mod)")
	version := flag.String("version", "", "canonical semantic version, e.g. v0.6.9")
	stamp := flag.String("time", "", "version time, RFC 3339")
	out := flag.String("out", "", "GOPROXY directory to write into")
	flag.Parse()
	if err := run(*dir, *path, *version, *stamp, *out); err != nil {
		fmt.Fprintln(os.Stderr, "modzip:", err)
		os.Exit(1)
	}
}

func run(dir, path, version, stamp, out string) error {
	if dir == "" || path == "" || version == "" || stamp == "" || out == "" {
		return fmt.Errorf("-dir, -module, -version, -time and -out are required")
	}
	if c := module.CanonicalVersion(version); c != version {
		return fmt.Errorf("version %q is not canonical (%q)", version, c)
	}
	if err := module.Check(path, version); err != nil {
		return err
	}
	t, err := time.Parse(time.RFC3339, stamp)
	if err != nil {
		return err
	}
	gomod, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		return err
	}
	if got := modfile.ModulePath(gomod); got != path {
		return fmt.Errorf("go.mod declares module %q, not %q", got, path)
	}
	m := module.Version{Path: path, Version: version}
	escPath, err := module.EscapePath(path)
	if err != nil {
		return err
	}
	escVersion, err := module.EscapeVersion(version)
	if err != nil {
		return err
	}
	at := filepath.Join(out, filepath.FromSlash(escPath), "@v")
	if err := os.MkdirAll(at, 0o755); err != nil {
		return err
	}
	base := filepath.Join(at, escVersion)

	inDir, err := modzip.CheckDir(dir)
	if err != nil {
		return err
	}
	tmp := base + ".zip.tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if err := modzip.CreateFromDir(f, m, dir); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, base+".zip"); err != nil {
		return err
	}
	inZip, err := modzip.CheckZip(m, base+".zip")
	if err != nil {
		return err
	}
	var zipped []string
	for _, name := range inZip.Valid {
		zipped = append(zipped, strings.TrimPrefix(name, path+"@"+version+"/"))
	}
	var listed []string
	for _, name := range inDir.Valid {
		listed = append(listed, relSlash(dir, name))
	}
	if !slices.Equal(sortedCopy(listed), sortedCopy(zipped)) {
		return fmt.Errorf("zip holds %d files, directory has %d valid files", len(inZip.Valid), len(inDir.Valid))
	}
	zippedMod, err := zipGoMod(base+".zip", m)
	if err != nil {
		return err
	}
	if !bytes.Equal(zippedMod, gomod) {
		return fmt.Errorf("go.mod in the zip differs from %s/go.mod", dir)
	}

	info, err := json.Marshal(struct {
		Version string
		Time    string
	}{version, t.UTC().Format(time.RFC3339)})
	if err != nil {
		return err
	}
	if err := os.WriteFile(base+".info", append(info, '\n'), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(base+".mod", gomod, 0o644); err != nil {
		return err
	}
	if err := addToList(filepath.Join(at, "list"), version); err != nil {
		return err
	}

	zipHash, err := dirhash.HashZip(base+".zip", dirhash.Hash1)
	if err != nil {
		return err
	}
	modHash, err := dirhash.Hash1([]string{"go.mod"}, func(string) (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(gomod)), nil
	})
	if err != nil {
		return err
	}
	var omitted []string
	for _, o := range inDir.Omitted {
		omitted = append(omitted, relSlash(dir, o.Path))
	}
	fmt.Printf("go: %s %s (%d files; left out: %s)\n", path, version, len(inZip.Valid), strings.Join(omitted, ", "))
	fmt.Printf("%s %s %s\n", path, version, zipHash)
	fmt.Printf("%s %s/go.mod %s\n", path, version, modHash)
	return nil
}

// relSlash is name (a path CheckDir joined to dir) relative to dir, slash-separated.
func relSlash(dir, name string) string {
	if r, err := filepath.Rel(dir, name); err == nil {
		return filepath.ToSlash(r)
	}
	return name
}

func sortedCopy(s []string) []string {
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}

// zipGoMod returns the go.mod at the root of module m's zip.
func zipGoMod(name string, m module.Version) ([]byte, error) {
	zr, err := zip.OpenReader(name)
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	rc, err := zr.Open(m.Path + "@" + m.Version + "/go.mod")
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

// addToList adds version to the proxy's @v/list, keeping the versions already there.
func addToList(name, version string) error {
	var versions []string
	if data, err := os.ReadFile(name); err == nil {
		versions = strings.Fields(string(data))
	} else if !os.IsNotExist(err) {
		return err
	}
	if !slices.Contains(versions, version) {
		versions = append(versions, version)
	}
	semver.Sort(versions)
	return os.WriteFile(name, []byte(strings.Join(versions, "\n")+"\n"), 0o644)
}
