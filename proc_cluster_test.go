package main

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The multi-instance and outage tests (cluster_test.go, outage_test.go) run
// the engine, and in the outage test FerretDB, as real processes, where the
// other tests of this package run the engine in-process. Several instances
// over one database and a database that goes away are only the real thing
// with separate address spaces, separate connection pools and real signals.

// stopGrace is how long a process gets to exit after SIGTERM before it is
// killed: the engine exits within a second when idle, FerretDB in about 3 s.
const stopGrace = 10 * time.Second

// proc is a process started by a test. Everything it writes is kept and
// printed if the test fails; it is stopped when the test ends.
type proc struct {
	name string
	cmd  *exec.Cmd
	out  *lockedBuffer
	done chan struct{} // closed once the process has exited
	err  error         // how it exited; read only after done is closed
}

// startProc starts bin with exactly the environment env (nothing is
// inherited, so the process sees only what the test means it to).
func startProc(t *testing.T, name, bin string, args, env []string) *proc {
	t.Helper()
	p := &proc{name: name, cmd: exec.Command(bin, args...), out: &lockedBuffer{}, done: make(chan struct{})}
	p.cmd.Env = append([]string{}, env...) // never nil: nil would inherit
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		if p.stop() {
			t.Logf("%s did not exit within %v of SIGTERM and was killed", p.name, stopGrace)
		}
		if out := p.out.String(); t.Failed() && out != "" {
			t.Logf("output of %s (exit: %v):\n%s", p.name, p.err, out)
		}
	})
	return p
}

// stop ends the process as an orchestrator does: SIGTERM, then SIGKILL if
// it is still running after stopGrace. It waits for the exit and reports
// whether the kill was needed. Stopping a stopped process does nothing.
func (p *proc) stop() (killed bool) {
	return p.signal(syscall.SIGTERM)
}

// signal sends sig and waits for the process to exit, killing it if it has
// not after stopGrace; it reports whether that kill was needed.
func (p *proc) signal(sig syscall.Signal) (killed bool) {
	if p.exited() {
		return false
	}
	_ = p.cmd.Process.Signal(sig)
	select {
	case <-p.done:
		return false
	case <-time.After(stopGrace):
		_ = p.cmd.Process.Kill()
		<-p.done
		return true
	}
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// lockedBuffer is a bytes.Buffer that a process writes while a test reads.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// cacheTTL is the bounded staleness of the engines' service and client
// configuration cache (GATEHOUSE_CACHE_TTL), short so that the cluster test
// can wait it out.
const cacheTTL = time.Second

// deployment is what every engine process of one test shares, as the
// replicas of one deployment do: the binary, the database and the secrets.
type deployment struct {
	bin                   string
	mongoURI, mongoDB     string
	masterKey             string // base64; one for all, or keys sealed by one instance would not open in another
	adminKey, adminSecret string
}

// newDeployment builds the engine once for the test and draws its secrets.
func newDeployment(t *testing.T, mongoURI, mongoDB string) *deployment {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "gatehouse")
	// The test runs in the module root, the engine's package: "." is the
	// engine as the test binary was built from it.
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build the engine: %v\n%s", err, out)
	}
	return &deployment{
		bin:      bin,
		mongoURI: mongoURI, mongoDB: mongoDB,
		masterKey:   base64.StdEncoding.EncodeToString(randomBytes(t, 32)),
		adminKey:    "operator",
		adminSecret: rand.Text() + rand.Text(),
	}
}

func randomBytes(t *testing.T, n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// start runs one engine instance on a free loopback port and returns it
// with the API as the operator; waitReady waits until it serves.
func (d *deployment) start(t *testing.T, name string) (*proc, engineAPI) {
	t.Helper()
	addr := freeAddr(t)
	p := startProc(t, "engine "+name, d.bin, nil, []string{
		"GATEHOUSE_ADDR=" + addr,
		"GATEHOUSE_MONGO_URI=" + d.mongoURI,
		"GATEHOUSE_MONGO_DB=" + d.mongoDB,
		"GATEHOUSE_MASTER_KEY=" + d.masterKey,
		"GATEHOUSE_ADMIN_KEY=" + d.adminKey,
		"GATEHOUSE_ADMIN_SECRET=" + d.adminSecret,
		"GATEHOUSE_LOG_LEVEL=warn",
		"GATEHOUSE_CACHE_TTL=" + cacheTTL.String(),
	})
	return p, engineAPI{name: name, base: "http://" + addr, key: d.adminKey, secret: d.adminSecret}
}

// waitReady waits until the engine e, run by p, answers its readiness
// probe: it has connected to its store and created its indexes.
func waitReady(t *testing.T, p *proc, e engineAPI) {
	t.Helper()
	waitFor(t, 30*time.Second, "engine "+e.name+" ready", func() (bool, string) {
		if p.exited() {
			t.Fatalf("engine %s exited before it was ready (%v):\n%s", e.name, p.err, p.out)
		}
		status, body := e.probe("/health/ready")
		return status == http.StatusOK, fmt.Sprintf("HTTP %d %s", status, body)
	})
}

// ferretDBBinary is the FerretDB that scripts/with-ferretdb.sh built and
// names in GATEHOUSE_TEST_FERRETDB_BIN. Without it the test is skipped,
// except under GATEHOUSE_TEST_MONGO_REQUIRED=1 (`make test`), where it
// fails, as mongotest.URI decides for the shared server.
func ferretDBBinary(t *testing.T) string {
	t.Helper()
	if bin := os.Getenv("GATEHOUSE_TEST_FERRETDB_BIN"); bin != "" {
		return bin
	}
	if os.Getenv("GATEHOUSE_TEST_MONGO_REQUIRED") == "1" {
		t.Fatal("GATEHOUSE_TEST_FERRETDB_BIN is empty but GATEHOUSE_TEST_MONGO_REQUIRED=1; run the tests through scripts/with-ferretdb.sh")
	}
	t.Skip("GATEHOUSE_TEST_FERRETDB_BIN is empty; run through scripts/with-ferretdb.sh to test against FerretDB")
	return ""
}

// startFerretDB runs a FerretDB of the test's own on addr with its data in
// dir, and returns once it accepts connections. Started again on the same
// addr and dir, it serves the same data at the same URI.
func startFerretDB(t *testing.T, bin, addr, dir string) (p *proc, uri string) {
	t.Helper()
	uriFile := filepath.Join(dir, "uri")
	_ = os.Remove(uriFile) // a previous run's, so that the wait below waits for this one
	p = startProc(t, "ferretdb", bin, []string{"-dir", filepath.Join(dir, "data"), "-listen", addr, "-uri-file", uriFile}, nil)
	waitFor(t, 30*time.Second, "FerretDB on "+addr, func() (bool, string) {
		if p.exited() {
			t.Fatalf("FerretDB exited before it listened (%v):\n%s", p.err, p.out)
		}
		b, err := os.ReadFile(uriFile)
		if err != nil {
			return false, err.Error()
		}
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			return false, err.Error()
		}
		conn.Close()
		uri = strings.TrimSpace(string(b))
		return true, ""
	})
	return p, uri
}

// waitFor polls cond every 50 ms until it holds, and fails the test with
// cond's last word if it does not within timeout.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() (ok bool, detail string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, detail := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v; last: %s", what, timeout, detail)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
