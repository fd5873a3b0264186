package main

import (
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/gatehouse-oss/gatehouse"

// listedPackage is the part of `go list -json` the architecture test reads.
type listedPackage struct {
	ImportPath string
	Deps       []string
	Standard   bool
}

// goList returns the packages matching patterns, run in dir, with their
// transitive dependencies (tests excluded: the rules are about what ships).
func goList(t *testing.T, dir string, patterns ...string) map[string]listedPackage {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list", "-json=ImportPath,Deps,Standard", "-deps"}, patterns...)...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	pkgs := map[string]listedPackage{}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p listedPackage
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("decode go list: %v", err)
		}
		pkgs[p.ImportPath] = p
	}
	return pkgs
}

// TestDependencyRules enforces DESIGN §6: main → api → service → store; the
// engine never sees echo, the Mongo driver or a store backend; the store
// contract is a leaf; the wire vocabulary is a leaf.
func TestDependencyRules(t *testing.T) {
	pkgs := goList(t, ".", "./...")
	rules := []struct {
		pkg string
		// allowed non-standard dependencies (prefixes); nil means "any
		// except forbidden".
		allowed   []string
		forbidden []string
	}{
		{pkg: module + "/store", allowed: []string{"github.com/google/uuid"}},
		{pkg: module + "/service/oauth", allowed: []string{}},
		{pkg: module + "/service", forbidden: []string{
			"github.com/labstack/echo", "go.mongodb.org/mongo-driver",
			module + "/api", module + "/store/memstore", module + "/store/mongostore", module + "/store/storetest",
		}},
		{pkg: module + "/api", forbidden: []string{
			"go.mongodb.org/mongo-driver", module + "/store/memstore", module + "/store/mongostore", module + "/store/storetest",
		}},
		{pkg: module + "/store/memstore", allowed: []string{module + "/store", "github.com/google/uuid"}},
		{pkg: module + "/store/mongostore", forbidden: []string{module + "/service", module + "/api", "github.com/labstack/echo"}},
		// frontend-example is what a newcomer copies to write a frontend:
		// it is built on the SDK alone (plus bcrypt for its demo users),
		// never on the engine's packages (issue 7).
		{pkg: module + "/frontend-example", allowed: []string{module + "/frontend-example/app", module + "/sdk", "golang.org/x/crypto"}},
		{pkg: module + "/frontend-example/app", allowed: []string{module + "/sdk", "golang.org/x/crypto"}},
	}
	for _, r := range rules {
		p, ok := pkgs[r.pkg]
		if !ok {
			t.Errorf("package %s not found", r.pkg)
			continue
		}
		for _, dep := range p.Deps {
			if pkgs[dep].Standard || strings.HasPrefix(dep, "vendor/") {
				continue
			}
			if r.allowed != nil && !hasPrefix(dep, r.allowed) {
				t.Errorf("%s depends on %s; it may use only the standard library and %v", r.pkg, dep, r.allowed)
			}
			if hasPrefix(dep, r.forbidden) {
				t.Errorf("%s must not depend on %s (DESIGN §6)", r.pkg, dep)
			}
		}
	}
}

// TestSDKIsStandardLibraryOnly keeps the SDK adoptable by any frontend: it
// depends on nothing but the standard library (DESIGN §6).
func TestSDKIsStandardLibraryOnly(t *testing.T) {
	for path, p := range goList(t, "sdk", "./...") {
		if p.Standard || strings.HasPrefix(path, module+"/sdk") {
			continue
		}
		t.Errorf("sdk depends on %s", path)
	}
}

func hasPrefix(path string, prefixes []string) bool {
	for _, p := range prefixes {
		if path == p || strings.HasPrefix(path, p+"/") {
			return true
		}
	}
	return false
}
