package deploy_test

import (
	"encoding/json"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// instruction is one Dockerfile instruction, continuation lines joined.
type instruction struct {
	cmd  string // upper case: FROM, RUN, COPY, ...
	args string
}

// stage is one FROM ... section of a multi-stage Dockerfile.
type stage struct {
	from, name string
	instrs     []instruction
}

// parseDockerfile reads a Dockerfile into its stages. Comments (and parser
// directives, which look like comments) are dropped, as Docker does.
func parseDockerfile(t *testing.T, name string) []stage {
	t.Helper()
	var instrs []instruction
	var cur strings.Builder
	for _, line := range strings.Split(string(readFile(t, name)), "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "#") || (trimmed == "" && cur.Len() == 0) {
			continue
		}
		if strings.HasSuffix(trimmed, `\`) {
			cur.WriteString(strings.TrimSuffix(trimmed, `\`) + " ")
			continue
		}
		cur.WriteString(trimmed)
		cmd, args, _ := strings.Cut(cur.String(), " ")
		instrs = append(instrs, instruction{cmd: strings.ToUpper(cmd), args: strings.TrimSpace(args)})
		cur.Reset()
	}
	var stages []stage
	for _, in := range instrs {
		if in.cmd == "FROM" {
			f := strings.Fields(in.args)
			s := stage{from: f[0]}
			if len(f) == 3 && strings.EqualFold(f[1], "AS") {
				s.name = f[2]
			}
			stages = append(stages, s)
			continue
		}
		if len(stages) == 0 {
			t.Fatalf("%s: %s before the first FROM", name, in.cmd)
		}
		stages[len(stages)-1].instrs = append(stages[len(stages)-1].instrs, in)
	}
	if len(stages) == 0 {
		t.Fatalf("%s: no FROM", name)
	}
	return stages
}

func finalStage(t *testing.T, name string) stage {
	t.Helper()
	stages := parseDockerfile(t, name)
	return stages[len(stages)-1]
}

// all returns the arguments of every instruction cmd of the stage.
func (s stage) all(cmd string) []string {
	var out []string
	for _, in := range s.instrs {
		if in.cmd == cmd {
			out = append(out, in.args)
		}
	}
	return out
}

func (s stage) exposed() []string {
	var ports []string
	for _, args := range s.all("EXPOSE") {
		for _, p := range strings.Fields(args) {
			ports = append(ports, strings.TrimSuffix(p, "/tcp"))
		}
	}
	return ports
}

// entrypoint is the binary of the exec-form ENTRYPOINT.
func (s stage) entrypoint(t *testing.T) string {
	t.Helper()
	eps := s.all("ENTRYPOINT")
	var argv []string
	if len(eps) != 1 || json.Unmarshal([]byte(eps[0]), &argv) != nil || len(argv) == 0 {
		t.Fatalf("want one exec-form ENTRYPOINT [\"/path/binary\"], got %q", eps)
	}
	return argv[0]
}

// user is the uid of the stage's last USER instruction.
func (s stage) user(t *testing.T) string {
	t.Helper()
	users := s.all("USER")
	if len(users) == 0 {
		t.Fatal("no USER in the runtime stage: it would run as root")
	}
	uid, _, _ := strings.Cut(users[len(users)-1], ":")
	return uid
}

var goBuild = regexp.MustCompile(`go build (.*)$`)

func TestDeployDockerfiles(t *testing.T) {
	// The root module's local replace directives: each replaced module's
	// go.mod must be in the image before `go mod download`.
	var replaced []string
	for _, m := range regexp.MustCompile(`(?m)^replace\s+\S+\s+=>\s+(\./\S+)\s*$`).FindAllStringSubmatch(string(readFile(t, filepath.Join(repoRoot, "go.mod"))), -1) {
		replaced = append(replaced, filepath.ToSlash(filepath.Join(m[1], "go.mod")))
	}
	if len(replaced) == 0 {
		t.Fatal("go.mod: found no local replace directive (the SDK is one)")
	}

	for _, tt := range []struct {
		file, target, port string
		healthcheck        bool
	}{
		{"Dockerfile", ".", "8080", true},
		{"Dockerfile.frontend", "./frontend-example", "9000", false},
	} {
		t.Run(tt.file, func(t *testing.T) {
			stages := parseDockerfile(t, tt.file)
			if len(stages) < 2 {
				t.Fatalf("%d stage(s); want a builder and a runtime stage", len(stages))
			}
			build, final := stages[0], stages[len(stages)-1]
			if build.from != "golang:1.25" || build.name == "" {
				t.Errorf("builder FROM %s AS %q; want golang:1.25 AS <name>", build.from, build.name)
			}
			if final.from != "gcr.io/distroless/static-debian12:nonroot" {
				t.Errorf("runtime FROM %s; want gcr.io/distroless/static-debian12:nonroot", final.from)
			}

			// Module files first (cached layer), then the sources, then the build.
			var order []string
			var output string
			for _, in := range build.instrs {
				switch {
				case in.cmd == "COPY":
					f := strings.Fields(in.args)
					for _, src := range f[:len(f)-1] {
						if src != "." {
							if ok, _ := exists(filepath.Join(repoRoot, src)); !ok {
								t.Errorf("COPY %s: not in the build context (the repository root)", src)
							}
						}
						order = append(order, "copy "+src)
					}
				case in.cmd == "RUN" && strings.Contains(in.args, "go mod download"):
					order = append(order, "download")
				case in.cmd == "RUN" && goBuild.MatchString(in.args):
					order = append(order, "build")
					args := goBuild.FindStringSubmatch(in.args)[1]
					for _, flag := range []string{"-trimpath", `-ldflags="-s -w"`} {
						if !strings.Contains(args, flag) {
							t.Errorf("go build without %s", flag)
						}
					}
					if !strings.Contains(in.args, "CGO_ENABLED=0") {
						t.Error("go build without CGO_ENABLED=0: distroless/static has no libc")
					}
					fields := strings.Fields(args)
					if target := fields[len(fields)-1]; target != tt.target {
						t.Errorf("builds %s, want %s", target, tt.target)
					}
					if ok, dir := exists(filepath.Join(repoRoot, tt.target)); !ok || !dir {
						t.Errorf("build target %s is not a directory of the repository", tt.target)
					}
					if i := slices.Index(fields, "-o"); i >= 0 && i+1 < len(fields) {
						output = fields[i+1]
					}
				}
			}
			for _, src := range append([]string{"go.mod", "go.sum"}, replaced...) {
				i, d := slices.Index(order, "copy "+src), slices.Index(order, "download")
				if i < 0 || d < 0 || i > d {
					t.Errorf("want COPY %s before `go mod download` (layer caching); steps: %q", src, order)
				}
			}
			if d, all, b := slices.Index(order, "download"), slices.Index(order, "copy ."), slices.Index(order, "build"); d < 0 || d > all || all > b {
				t.Errorf("want go mod download, then COPY . ., then go build; steps: %q", order)
			}

			// The runtime stage: the built binary, non-root, the right port.
			bin := final.entrypoint(t)
			if !slices.Contains(final.all("COPY"), "--from="+build.name+" "+output+" "+bin) {
				t.Errorf("the runtime stage does not COPY --from=%s %s %s", build.name, output, bin)
			}
			uid := final.user(t)
			if n, err := strconv.Atoi(uid); err != nil || n == 0 {
				t.Errorf("USER %s: want a numeric non-root uid (Kubernetes can verify runAsNonRoot only for numbers)", uid)
			}
			if got := final.exposed(); !slices.Equal(got, []string{tt.port}) {
				t.Errorf("EXPOSE %q, want %s", got, tt.port)
			}

			hc := final.all("HEALTHCHECK")
			if !tt.healthcheck {
				if len(hc) != 0 {
					t.Errorf("HEALTHCHECK %q: the example has no probe mode to run", hc)
				}
				return
			}
			if len(hc) != 1 {
				t.Fatalf("want one HEALTHCHECK, got %q", hc)
			}
			_, cmd, ok := strings.Cut(hc[0], "CMD ")
			var argv []string
			if !ok || json.Unmarshal([]byte(cmd), &argv) != nil || !slices.Equal(argv, []string{bin, "healthcheck"}) {
				t.Errorf("HEALTHCHECK %q; want CMD [%q, \"healthcheck\"] (distroless has no shell or curl)", hc[0], bin)
			}
		})
	}
}

// TestDeployDockerignore checks that the build context sent to Docker keeps
// deploy/.env out and still holds everything the builds need.
func TestDeployDockerignore(t *testing.T) {
	for _, name := range []string{"Dockerfile.dockerignore", "Dockerfile.frontend.dockerignore"} {
		var patterns []string
		for _, line := range strings.Split(string(readFile(t, name)), "\n") {
			if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
				patterns = append(patterns, line)
			}
		}
		if !slices.Contains(patterns, "deploy") && !slices.Contains(patterns, "**/.env") {
			t.Errorf("%s: deploy/.env (secrets) would be sent to the builder", name)
		}
		for _, needed := range []string{"go.mod", "go.sum", "sdk", "frontend-example", "openapi.yaml", "main.go"} {
			for _, p := range patterns {
				if ok, _ := filepath.Match(p, needed); ok || p == needed {
					t.Errorf("%s: pattern %q leaves out %s, which the build needs", name, p, needed)
				}
			}
		}
	}
}
