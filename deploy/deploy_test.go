// Package deploy_test checks the deployment files of deploy/ without Docker
// or a cluster: they are parsed and held against each other and against the
// engine itself — its real settings (main.go), its documented settings
// (README.md), its health endpoints (the real router) and its seed loader —
// so that a compose file, a manifest or an image that cannot work fails here
// rather than on a user's machine.
package deploy_test

import (
	"bytes"
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/gatehouse-oss/gatehouse/api"
	"github.com/gatehouse-oss/gatehouse/service"
	"github.com/gatehouse-oss/gatehouse/store"
	"github.com/gatehouse-oss/gatehouse/store/memstore"
)

// repoRoot is the repository root as seen from this package's directory,
// where `go test` runs it. It is also the Docker build context.
const repoRoot = ".."

// frontendSettings are the environment variables frontend-example reads.
var frontendSettings = map[string]bool{
	"GATEHOUSE_URL":        true,
	"GATEHOUSE_API_KEY":    true,
	"GATEHOUSE_API_SECRET": true,
	"FRONTEND_ADDR":        true,
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read deploy file: %v", err)
	}
	return data
}

// unmarshalYAML decodes one YAML document the way Kubernetes and the seed
// loader do: YAML to JSON, then encoding/json.
func unmarshalYAML(t *testing.T, path string, data []byte, v any) {
	t.Helper()
	if err := yaml.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// yamlDocuments splits a multi-document YAML file on its "---" lines.
func yamlDocuments(data []byte) [][]byte {
	var docs [][]byte
	for _, doc := range regexp.MustCompile(`(?m)^---[ \t]*$`).Split(string(data), -1) {
		if strings.TrimSpace(stripYAMLComments(doc)) != "" {
			docs = append(docs, []byte(doc))
		}
	}
	return docs
}

func stripYAMLComments(s string) string {
	return regexp.MustCompile(`(?m)^\s*#.*$`).ReplaceAllString(s, "")
}

// exists reports whether path (relative to this directory) exists, and
// whether it is a directory.
func exists(path string) (ok, dir bool) {
	fi, err := os.Stat(path)
	if err != nil {
		return false, false
	}
	return true, fi.IsDir()
}

// mainSource parses the engine's main.go, where all configuration is read.
func mainSource(t *testing.T) *ast.File {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(repoRoot, "main.go"), nil, 0)
	if err != nil {
		t.Fatalf("parse main.go: %v", err)
	}
	return f
}

var settingName = regexp.MustCompile(`^GATEHOUSE_[A-Z0-9_]+$`)

// engineSettings returns the GATEHOUSE_* variables main.go reads: every
// string literal of that shape in it.
func engineSettings(t *testing.T) map[string]bool {
	t.Helper()
	names := map[string]bool{}
	ast.Inspect(mainSource(t), func(n ast.Node) bool {
		if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
			if s, err := strconv.Unquote(lit.Value); err == nil && settingName.MatchString(s) {
				names[s] = true
			}
		}
		return true
	})
	// Guard the extraction itself: these have been settings since the start.
	for _, must := range []string{"GATEHOUSE_ADDR", "GATEHOUSE_MONGO_URI", "GATEHOUSE_MASTER_KEY"} {
		if !names[must] {
			t.Fatalf("found no %s in main.go; settings found: %v", must, names)
		}
	}
	return names
}

// documentedSettings returns the GATEHOUSE_* names of README.md's
// configuration table.
func documentedSettings(t *testing.T) map[string]bool {
	t.Helper()
	readme := string(readFile(t, filepath.Join(repoRoot, "README.md")))
	start := strings.Index(readme, "\n## Configuration\n")
	if start < 0 {
		t.Fatal(`README.md has no "## Configuration" section`)
	}
	section := readme[start+1:]
	if end := strings.Index(section[1:], "\n## "); end >= 0 {
		section = section[:end+1]
	}
	names := map[string]bool{}
	for _, line := range strings.Split(section, "\n") {
		if !strings.HasPrefix(line, "|") {
			continue
		}
		for _, m := range regexp.MustCompile("`(GATEHOUSE_[A-Z0-9_]+)`").FindAllStringSubmatch(line, -1) {
			names[m[1]] = true
		}
	}
	if len(names) == 0 {
		t.Fatal("README.md's configuration table names no GATEHOUSE_* setting")
	}
	return names
}

// checkEngineEnv fails for every name that is not a documented setting of the
// engine: a misspelt variable is silently ignored by the engine, so it would
// run on a default nobody chose.
func checkEngineEnv(t *testing.T, where string, names []string) {
	t.Helper()
	read, documented := engineSettings(t), documentedSettings(t)
	for _, name := range names {
		switch {
		case !read[name]:
			t.Errorf("%s: %s is not a setting of the engine (main.go reads %v)", where, name, keys(read))
		case !documented[name]:
			t.Errorf("%s: %s is not in README.md's configuration table", where, name)
		}
	}
}

// requireEngineConfig checks the settings that only work together: MongoDB
// needs the master key, and the admin key and secret go in pairs.
func requireEngineConfig(t *testing.T, where string, set map[string]bool) {
	t.Helper()
	if !set["GATEHOUSE_MONGO_URI"] {
		t.Errorf("%s: no GATEHOUSE_MONGO_URI: the engine would run on its in-memory store, which replicas cannot share", where)
	}
	if !set["GATEHOUSE_MASTER_KEY"] {
		t.Errorf("%s: GATEHOUSE_MASTER_KEY is required with MongoDB", where)
	}
	if set["GATEHOUSE_ADMIN_KEY"] != set["GATEHOUSE_ADMIN_SECRET"] {
		t.Errorf("%s: set both GATEHOUSE_ADMIN_KEY and GATEHOUSE_ADMIN_SECRET, or neither", where)
	}
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// shutdownTimeout reads the engine's graceful shutdown time from main.go
// (`shutdownTimeout = N * time.Second`), which stop grace periods must exceed.
func shutdownTimeout(t *testing.T) time.Duration {
	t.Helper()
	units := map[string]time.Duration{"Millisecond": time.Millisecond, "Second": time.Second, "Minute": time.Minute}
	var d time.Duration
	ast.Inspect(mainSource(t), func(n ast.Node) bool {
		spec, ok := n.(*ast.ValueSpec)
		if !ok || len(spec.Names) != 1 || spec.Names[0].Name != "shutdownTimeout" || len(spec.Values) != 1 {
			return true
		}
		if mul, ok := spec.Values[0].(*ast.BinaryExpr); ok && mul.Op == token.MUL {
			lit, okLit := mul.X.(*ast.BasicLit)
			sel, okSel := mul.Y.(*ast.SelectorExpr)
			if okLit && okSel {
				if n, err := strconv.Atoi(lit.Value); err == nil {
					d = time.Duration(n) * units[sel.Sel.Name]
				}
			}
		}
		return false
	})
	if d <= 0 {
		t.Fatal("main.go: found no `shutdownTimeout = N * time.<Unit>`")
	}
	return d
}

// downStore is a store whose database cannot be reached.
type downStore struct{ store.Store }

func (downStore) Ping(context.Context) error { return store.ErrUnavailable }

// healthStatus asks the engine's real router for path, with the store up or
// down, and returns the HTTP status.
func healthStatus(t *testing.T, path string, storeUp bool) int {
	t.Helper()
	var st store.Store = memstore.New()
	if !storeUp {
		st = downStore{st}
	}
	engine, err := service.New(service.Config{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	router := api.New(api.Config{Engine: engine, Logger: slog.New(slog.DiscardHandler)})
	rec := httptest.NewRecorder()
	router.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec.Code
}

// checkReadinessPath requires path to be the engine's readiness endpoint: 200
// while the store answers, 503 when it does not, so that a load balancer
// stops sending calls that could only fail.
func checkReadinessPath(t *testing.T, where, path string) {
	t.Helper()
	if up, down := healthStatus(t, path, true), healthStatus(t, path, false); up != http.StatusOK || down != http.StatusServiceUnavailable {
		t.Errorf("%s: %s answers %d with the store up and %d with it down; a readiness check needs 200 and 503", where, path, up, down)
	}
}

// checkLivenessPath requires path to answer 200 even with the store down: a
// database outage must not make the orchestrator restart every engine.
func checkLivenessPath(t *testing.T, where, path string) {
	t.Helper()
	if up, down := healthStatus(t, path, true), healthStatus(t, path, false); up != http.StatusOK || down != http.StatusOK {
		t.Errorf("%s: %s answers %d with the store up and %d with it down; a liveness check needs 200 both times", where, path, up, down)
	}
}

// loadSeed reads deploy/seed.yaml through the engine's own seed loader and
// applies it to an engine, as GATEHOUSE_SEED does at start.
func loadSeed(t *testing.T) service.Seed {
	t.Helper()
	seed, err := api.DecodeSeed(readFile(t, "seed.yaml"))
	if err != nil {
		t.Fatalf("seed.yaml: %v", err)
	}
	engine, err := service.New(service.Config{Store: memstore.New()})
	if err != nil {
		t.Fatal(err)
	}
	if err := engine.ApplySeed(context.Background(), seed); err != nil {
		t.Fatalf("seed.yaml: %v", err)
	}
	if len(seed.Services) == 0 {
		t.Fatal("seed.yaml seeds no service")
	}
	return seed
}

func TestDeploySeedLoads(t *testing.T) {
	seed := loadSeed(t)
	// The file also documents itself: it must say its secrets are public.
	if !bytes.Contains(readFile(t, "seed.yaml"), []byte("public")) {
		t.Error("seed.yaml must warn that its credentials are public")
	}
	for _, s := range seed.Services {
		if len(s.Clients) == 0 {
			t.Errorf("seed.yaml: service %d has no clients for frontend-example", s.Service.APIKey)
		}
	}
}

// TestDeployHealthPaths makes sure the checks below test something: the
// engine's readiness endpoint does depend on the store and its liveness
// endpoint does not.
func TestDeployHealthPaths(t *testing.T) {
	checkReadinessPath(t, "engine", "/health/ready")
	checkLivenessPath(t, "engine", "/health/live")
	if healthStatus(t, "/health/nope", true) == http.StatusOK {
		t.Error("an unknown path answers 200; the health path checks would prove nothing")
	}
}
