package main

import (
	"bufio"
	"encoding/base64"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"log/slog"
	"maps"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The catalogue of attack cases lives beside the clone (../shared), as in
// CI; GATEHOUSE_SECURITY_CATALOGUE names another copy.
const (
	securityCatalogueDefault = "../shared/SECURITY.md"
	securityCoverageDoc      = "docs/security-coverage.md"
)

// securityIDPattern is a case id of the catalogue: A01–A55, T, C, R, I, V,
// U, M and D cases.
var securityIDPattern = regexp.MustCompile(`^[ATCRIVUMD][0-9]{2}$`)

// TestSecurityCoverage is issue 10's catalogue coverage: every case id of
// SECURITY.md appears in docs/security-coverage.md with the test that
// covers it — a test that exists, whose id-named subtest exists — or with
// n/a and the reason; and the document names no id the catalogue lacks.
// It reads files only (no go list), so it is fast and needs no toolchain.
func TestSecurityCoverage(t *testing.T) {
	catalogue, required := os.Getenv("GATEHOUSE_SECURITY_CATALOGUE"), true
	if catalogue == "" {
		catalogue, required = securityCatalogueDefault, false
	}
	problems, note := checkSecurityCoverage(securityCoverageDoc, catalogue, required)
	if note != "" {
		t.Log(note)
	}
	for _, p := range problems {
		t.Error(p)
	}

	// The check itself catches each kind of mistake.
	t.Run("a_broken_document_is_reported", func(t *testing.T) {
		dir := t.TempDir()
		cat := filepath.Join(dir, "SECURITY.md")
		doc := filepath.Join(dir, "coverage.md")
		var catRows, docRows strings.Builder
		for i := range 100 { // enough rows for the sanity bound
			fmt.Fprintf(&catRows, "| A%02d | request | expected | source |\n", i)
			if i >= 5 {
				fmt.Fprintf(&docRows, "| A%02d | n/a | not a case of this engine, for a reason |\n", i)
			}
		}
		docRows.WriteString("| A00 | `.: TestSecurityCoverage/a_broken_document_is_reported` | |\n" + // exists, but does not carry the id
			"| A01 | `api: TestNoSuchTest/A01_x` | |\n" + // no such test
			"| A02 | `api: TestAuthorization/A02_no_such_subtest` | |\n" + // no such subtest
			"| A03 | n/a | |\n" + // no reason
			"| T99 | n/a | a case the catalogue does not have |\n") // A04 is missing
		if err := os.WriteFile(cat, []byte(catRows.String()), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(doc, []byte("| id | covered by | note |\n|---|---|---|\n"+docRows.String()), 0o600); err != nil {
			t.Fatal(err)
		}
		problems, _ := checkSecurityCoverage(doc, cat, true)
		all := strings.Join(problems, "\n")
		for _, want := range []string{
			"A00: no named test carries the id",
			"A01: api: TestNoSuchTest/A01_x: no func TestNoSuchTest",
			`A02: api: TestAuthorization/A02_no_such_subtest: no subtest "A02_no_such_subtest"`,
			"A03 is n/a without a reason",
			"case A04 of the catalogue is missing",
			"case T99 is not in the catalogue",
		} {
			if !strings.Contains(all, want) {
				t.Errorf("not reported: %s\ngot:\n%s", want, all)
			}
		}
		if len(problems) != 6 {
			t.Errorf("%d problems, want 6:\n%s", len(problems), all)
		}
		if _, note := checkSecurityCoverage(doc, filepath.Join(dir, "absent.md"), false); !strings.Contains(note, "absent") {
			t.Errorf("an absent catalogue: note %q", note)
		}
		if problems, _ := checkSecurityCoverage(doc, filepath.Join(dir, "absent.md"), true); len(problems) == 0 {
			t.Error("an absent catalogue that was asked for is not reported")
		}
	})
}

// checkSecurityCoverage returns every problem of the coverage document doc
// against the catalogue, and a note when an optional catalogue is absent.
func checkSecurityCoverage(doc, catalogue string, catalogueRequired bool) (problems []string, note string) {
	report := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	rows, errs := readCoverageDoc(doc)
	for _, err := range errs {
		report("%v", err)
	}
	if len(rows) < 100 {
		report("%s: %d rows; the table did not parse", doc, len(rows))
	}

	ids, err := readCatalogueIDs(catalogue)
	switch {
	case errors.Is(err, os.ErrNotExist) && !catalogueRequired:
		note = fmt.Sprintf("catalogue %s is absent: checking %s alone (CI always has ../shared beside the clone)", catalogue, doc)
	case err != nil:
		report("catalogue: %v", err)
	case len(ids) < 100:
		report("catalogue %s: only %d case ids parsed", catalogue, len(ids))
	default:
		for _, id := range ids {
			if _, ok := rows[id]; !ok {
				report("%s: case %s of the catalogue is missing", doc, id)
			}
		}
		for _, id := range slices.Sorted(maps.Keys(rows)) {
			if !slices.Contains(ids, id) {
				report("%s: case %s is not in the catalogue %s", doc, id, catalogue)
			}
		}
	}

	sources := map[string]*testSources{}
	for _, id := range slices.Sorted(maps.Keys(rows)) {
		r := rows[id]
		if r.na {
			if len(strings.Fields(r.note)) < 3 {
				report("%s: %s is n/a without a reason", doc, id)
			}
			continue
		}
		if len(r.refs) == 0 {
			report("%s: %s names no test (write `dir: TestName/Subtest`, or n/a with a reason)", doc, id)
			continue
		}
		named, broken := false, false
		for _, ref := range r.refs {
			src, ok := sources[ref.dir]
			if !ok {
				if src, err = readTestSources(ref.dir); err != nil {
					report("%s: %s: %v", doc, id, err)
				}
				sources[ref.dir] = src
			}
			if src == nil {
				broken = true
				continue
			}
			if err := src.check(ref); err != nil {
				report("%s: %s: %s: %v", doc, id, ref, err)
				broken = true
				continue
			}
			named = named || slices.ContainsFunc(ref.path, func(seg string) bool {
				return slices.Contains(strings.FieldsFunc(seg, func(r rune) bool { return r == '_' || r == ' ' }), id)
			})
		}
		// Issue 10: the test is named with its case id. A row whose only
		// tests are not must say so, and why (the frontend's SDK, say).
		if !named && !broken && !strings.Contains(r.note, "not named by id") {
			report("%s: %s: no named test carries the id; name one, or say \"not named by id\" and why", doc, id)
		}
	}
	return problems, note
}

// readCatalogueIDs returns the case ids of the catalogue's tables, in order:
// the first cell of every table row that is an id.
func readCatalogueIDs(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, line := range strings.Split(string(data), "\n") {
		cells := tableCells(line)
		if len(cells) > 0 && securityIDPattern.MatchString(cells[0]) {
			if slices.Contains(ids, cells[0]) {
				return nil, fmt.Errorf("%s: case %s appears twice", path, cells[0])
			}
			ids = append(ids, cells[0])
		}
	}
	return ids, nil
}

// tableCells splits a Markdown table row; nil for any other line.
func tableCells(line string) []string {
	line = strings.TrimSpace(line)
	if !strings.HasPrefix(line, "|") || !strings.HasSuffix(line, "|") || len(line) < 2 {
		return nil
	}
	cells := strings.Split(line[1:len(line)-1], "|")
	for i := range cells {
		cells[i] = strings.TrimSpace(cells[i])
	}
	return cells
}

// coverageRow is one case of the coverage document.
type coverageRow struct {
	na   bool
	refs []testRef
	note string
}

// testRef is one test named by the document: `dir: TestName/sub/sub`,
// where dir is the package directory relative to the repository root
// ("." for the root package) and the path is what `go test -run` selects.
type testRef struct {
	dir  string
	top  string
	path []string // subtest names below top
}

func (r testRef) String() string {
	return r.dir + ": " + strings.Join(append([]string{r.top}, r.path...), "/")
}

var testRefPattern = regexp.MustCompile("`([A-Za-z0-9_./-]+): (Test[A-Za-z0-9_]*)((?:/[^`/]+)*)`")

// readCoverageDoc parses the document's table `| id | covered by | note |`.
func readCoverageDoc(path string) (map[string]coverageRow, []error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, []error{fmt.Errorf("coverage document: %w", err)}
	}
	var errs []error
	rows := map[string]coverageRow{}
	for n, line := range strings.Split(string(data), "\n") {
		cells := tableCells(line)
		if len(cells) == 0 || !securityIDPattern.MatchString(cells[0]) {
			continue
		}
		id := cells[0]
		if len(cells) != 3 {
			errs = append(errs, fmt.Errorf("%s:%d: %s: want 3 cells (id, covered by, note), got %d", path, n+1, id, len(cells)))
			continue
		}
		if _, dup := rows[id]; dup {
			errs = append(errs, fmt.Errorf("%s:%d: %s appears twice", path, n+1, id))
		}
		r := coverageRow{note: cells[2], na: cells[1] == "n/a"}
		if !r.na {
			for _, m := range testRefPattern.FindAllStringSubmatch(cells[1], -1) {
				ref := testRef{dir: m[1], top: m[2]}
				if m[3] != "" {
					ref.path = strings.Split(m[3][1:], "/")
				}
				r.refs = append(r.refs, ref)
			}
			if rest := testRefPattern.ReplaceAllString(cells[1], ""); strings.Trim(rest, " ;,") != "" {
				errs = append(errs, fmt.Errorf("%s:%d: %s: cannot read %q in covered by (write `dir: TestName/Sub`, separated by ;)", path, n+1, id, rest))
			}
		}
		rows[id] = r
	}
	return rows, errs
}

// testSources is what the test files of one package directory define: the
// top-level Test functions and every string literal (subtest names are
// literals, or table entries that are).
type testSources struct {
	dir      string
	tests    map[string]bool
	literals map[string]bool
}

func readTestSources(dir string) (*testSources, error) {
	if filepath.IsAbs(dir) || strings.Contains(dir, "..") {
		return nil, fmt.Errorf("package directory %q must be relative to the repository root", dir)
	}
	files, err := filepath.Glob(filepath.Join(dir, "*_test.go"))
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("no test files in %s", dir)
	}
	src := &testSources{dir: dir, tests: map[string]bool{}, literals: map[string]bool{}}
	fset := token.NewFileSet()
	for _, name := range files {
		// A file with a syntax error (being edited) still yields what
		// parsed; only an unreadable file is an error.
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if f == nil {
			return nil, err
		}
		for _, d := range f.Decls {
			if fn, ok := d.(*ast.FuncDecl); ok && fn.Recv == nil && strings.HasPrefix(fn.Name.Name, "Test") {
				src.tests[fn.Name.Name] = true
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				if s, err := strconv.Unquote(lit.Value); err == nil {
					src.literals[s] = true
				}
			}
			return true
		})
	}
	return src, nil
}

// check reports whether the test a reference names exists: the top-level
// function, and each subtest name as a literal (go test turns spaces in
// subtest names into underscores, so either spelling counts).
func (s *testSources) check(ref testRef) error {
	if !s.tests[ref.top] {
		return fmt.Errorf("no func %s in %s/*_test.go", ref.top, s.dir)
	}
	for _, seg := range ref.path {
		if !s.literals[seg] && !s.literals[strings.ReplaceAll(seg, "_", " ")] {
			return fmt.Errorf("no subtest %q in %s/*_test.go", seg, s.dir)
		}
	}
	return nil
}

// TestStorageAttacks holds the cases of SECURITY.md §8 that need the
// engine's real http.Server as run builds it (api's TestStorageAttacks has
// the others): D10, bodies that lie about their length or come chunked,
// and D11, the server's timeouts against slow clients.
func TestStorageAttacks(t *testing.T) {
	e := launch(t, config{MongoDB: "gatehouse", LogLevel: slog.LevelError, Logs: io.Discard})
	t.Cleanup(func() {
		if err := e.stop(); err != nil {
			t.Errorf("run: %v", err)
		}
	})
	addr := strings.TrimPrefix(e.base, "http://")
	auth := "Basic " + basicCredentials(fmt.Sprint(demoAPIKey), demoAPISecret)
	// A request of the standard introspection API whose body is given.
	request := func(headers, body string) string {
		return "POST /api/auth/introspection/standard HTTP/1.1\r\nHost: gatehouse\r\nAuthorization: " + auth +
			"\r\nContent-Type: application/json\r\nConnection: close\r\n" + headers + "\r\n" + body
	}
	// A well-formed body: action OK, {"active":false} for the unknown token.
	const valid = `{"parameters":"token=x"}`

	t.Run("D10_content_length_lies_and_chunked_bodies", func(t *testing.T) {
		t.Parallel()
		cases := []struct {
			name       string
			raw        string
			closeWrite bool   // the client stops sending (half-close) after raw
			status     string // the first status line's code
			contains   string // in the first answer
		}{
			{"body shorter than Content-Length", request("Content-Length: 100\r\n", valid), true, "400", ""},
			{"body longer than Content-Length: the rest is not the body", request(fmt.Sprintf("Content-Length: %d\r\n", len(valid)), valid+`,"clientId":"smuggled"}`), true, "200", `{\"active\":false}`},
			{"negative Content-Length", request("Content-Length: -5\r\n", valid), true, "400", ""},
			{"non-numeric Content-Length", request("Content-Length: 12abc\r\n", valid), true, "400", ""},
			{"two different Content-Lengths", request("Content-Length: 5\r\nContent-Length: 24\r\n", valid), true, "400", ""},
			{"Content-Length over the limit, body never sent", request("Content-Length: 1000000\r\n", ""), false, "413", ""},
			{"chunked", request("Transfer-Encoding: chunked\r\n", chunk(valid[:10])+chunk(valid[10:])+"0\r\n\r\n"), false, "200", `{\"active\":false}`},
			{"chunked with a bad chunk size", request("Transfer-Encoding: chunked\r\n", "zz\r\n"+valid+"\r\n0\r\n\r\n"), true, "400", ""},
			{"chunked, cut short", request("Transfer-Encoding: chunked\r\n", "40\r\n"+valid), true, "400", ""},
			{"chunked over the 64 KiB limit", request("Transfer-Encoding: chunked\r\n", chunk(`{"parameters":"`+strings.Repeat("a", 70<<10)+`"}`)+"0\r\n\r\n"), false, "413", ""},
			// Transfer-Encoding overrides Content-Length (RFC 9112 §6.3):
			// read by the 3 bytes, the body would not be JSON.
			{"chunked and Content-Length both", request("Transfer-Encoding: chunked\r\nContent-Length: 3\r\n", chunk(valid)+"0\r\n\r\n"), false, "200", `{\"active\":false}`},
		}
		for _, tc := range cases {
			t.Run(strings.ReplaceAll(tc.name, " ", "_"), func(t *testing.T) {
				start := time.Now()
				answer, err := exchange(addr, tc.raw, tc.closeWrite, 5*time.Second)
				if err != nil {
					t.Fatalf("after %v: %v (answer so far %.200q)", time.Since(start).Round(time.Millisecond), err, answer)
				}
				status, _, _ := strings.Cut(answer, "\r\n")
				if !strings.HasPrefix(status, "HTTP/1.1 "+tc.status+" ") || !strings.Contains(answer, tc.contains) {
					t.Errorf("answer %.400q, want status %s with %s", answer, tc.status, tc.contains)
				}
			})
		}
	})

	t.Run("D11_server_timeouts_close_slow_clients", func(t *testing.T) {
		t.Parallel()
		// The values run gives the http.Server (README, Operations).
		for name, tc := range map[string]struct{ got, max time.Duration }{
			"ReadHeaderTimeout": {readHeaderTimeout, 10 * time.Second},
			"ReadTimeout":       {readTimeout, time.Minute},
			"WriteTimeout":      {writeTimeout, time.Minute},
			"IdleTimeout":       {idleTimeout, 5 * time.Minute},
		} {
			if tc.got <= 0 || tc.got > tc.max {
				t.Errorf("%s = %v, want set and at most %v", name, tc.got, tc.max)
			}
		}
		// Slowloris: headers trickled a line a second never finish; the
		// server drops the connection once ReadHeaderTimeout has passed.
		conn, err := net.DialTimeout("tcp", addr, 2*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		start := time.Now()
		_ = conn.SetDeadline(start.Add(readHeaderTimeout + 5*time.Second))
		if _, err := io.WriteString(conn, "POST /api/auth/token HTTP/1.1\r\nHost: gatehouse\r\n"); err != nil {
			t.Fatal(err)
		}
		closed := make(chan error, 1)
		go func() {
			_, err := io.Copy(io.Discard, conn)
			closed <- err
		}()
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case err := <-closed:
				elapsed := time.Since(start)
				var ne net.Error
				if errors.As(err, &ne) && ne.Timeout() {
					t.Fatalf("the server kept a slowloris connection open for %v", elapsed)
				}
				if elapsed < readHeaderTimeout-time.Second {
					t.Errorf("closed after %v, before ReadHeaderTimeout %v: for another reason? (%v)", elapsed, readHeaderTimeout, err)
				}
				return
			case <-tick.C:
				_, _ = fmt.Fprintf(conn, "X-Slow-%d: x\r\n", i) // may fail once the server closed
			}
		}
	})
}

// exchange sends raw on a fresh connection, half-closes it when asked, and
// reads until the server closes it. An error means the server did not
// answer and close within the deadline: it hung.
func exchange(addr, raw string, closeWrite bool, deadline time.Duration) (string, error) {
	conn, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(deadline))
	w := bufio.NewWriter(conn)
	if _, err := w.WriteString(raw); err != nil {
		return "", err
	}
	if err := w.Flush(); err != nil {
		return "", err
	}
	if closeWrite {
		if err := conn.(*net.TCPConn).CloseWrite(); err != nil {
			return "", err
		}
	}
	answer, err := io.ReadAll(conn)
	if err != nil && len(answer) > 0 && errors.Is(err, syscall.ECONNRESET) {
		err = nil // the server answered, then reset what it had not read
	}
	return string(answer), err
}

// chunk is one chunk of a chunked body.
func chunk(s string) string { return fmt.Sprintf("%x\r\n%s\r\n", len(s), s) }

// basicCredentials is the value of HTTP Basic credentials.
func basicCredentials(user, password string) string {
	return base64.StdEncoding.EncodeToString([]byte(user + ":" + password))
}
