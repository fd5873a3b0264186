package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// moduleRoot is the directory of the root module's go.mod, so that the
// harness works from any directory of the repository.
func moduleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("run inside the gatehouse repository")
	}
	return filepath.Dir(gomod), nil
}

// build compiles the package pkg of the root module into dir/name.
func build(ctx context.Context, root, dir, name, pkg string) (string, error) {
	bin := filepath.Join(dir, name)
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, pkg)
	cmd.Dir, cmd.Stdout, cmd.Stderr = root, os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build %s: %w", pkg, err)
	}
	return bin, nil
}

// freeAddr returns a loopback address whose port was free a moment ago. The
// servers under test take an address, not a listener, so there is a small
// window in which another process could take the port; starting fails
// loudly then.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// process is a server the harness started and must stop.
type process struct {
	addr string
	log  string // the file its output goes to
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited
}

// startServer runs bin with env added to the harness's own environment,
// its output going to the file log, and waits until it accepts connections
// on addr: both servers listen only once they are set up. The output goes
// to a file, not to a pipe the harness reads, because the engine logs a
// line per request and reading them would take CPU from the server under
// test.
func startServer(ctx context.Context, name, bin string, args, env []string, addr, log string) (*process, error) {
	f, err := os.Create(log)
	if err != nil {
		return nil, err
	}
	defer f.Close() // the child has its own descriptor
	p := &process{addr: addr, log: log, cmd: exec.Command(bin, args...), done: make(chan struct{})}
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stdout, p.cmd.Stderr = f, f
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	go func() {
		_ = p.cmd.Wait()
		close(p.done)
	}()
	for deadline := time.Now().Add(30 * time.Second); ; {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return p, nil
		}
		select {
		case <-p.done:
			return nil, fmt.Errorf("%s exited before it listened:\n%s", name, p.logEnd())
		case <-ctx.Done():
			p.stop()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			p.stop()
			return nil, fmt.Errorf("%s did not listen within 30s:\n%s", name, p.logEnd())
		}
	}
}

// logEnd is the end of what the process printed.
func (p *process) logEnd() string {
	data, _ := os.ReadFile(p.log)
	if len(data) == 0 {
		return "(no output kept; the engine's goes to -engine-log, " + os.DevNull + " by default)"
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	return strings.Join(lines[max(0, len(lines)-20):], "\n")
}

// stop ends the process gracefully (SIGTERM), or kills it after 10 s.
func (p *process) stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// peakRSS is the process's peak resident set size in bytes (VmHWM).
func (p *process) peakRSS() (int64, error) {
	return procStatus(p.cmd.Process.Pid, "VmHWM")
}

// clockTicks is USER_HZ, the unit of the CPU times in /proc/<pid>/stat:
// 100 on every Linux the harness runs on.
const clockTicks = 100

// cpuTime is the CPU time, user and system, the process has used so far, in
// seconds; 0 if it cannot be read.
func (p *process) cpuTime() float64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	// The command name, in parentheses, may hold spaces: count the fields
	// after it. utime and stime are fields 14 and 15 of proc(5).
	_, rest, _ := strings.Cut(string(data), ") ")
	f := strings.Fields(rest)
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseFloat(f[11], 64)
	stime, _ := strconv.ParseFloat(f[12], 64)
	return (utime + stime) / clockTicks
}

// procStatus reads a memory field of /proc/<pid>/status, in bytes.
func procStatus(pid int, field string) (int64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("no %s in /proc/%d/status", field, pid)
}

// ferretDB is a FerretDB started by scripts/with-ferretdb.sh, which builds
// it (once, cached) and removes its data when it stops.
type ferretDB struct {
	uri   string
	stdin io.WriteCloser
	cmd   *exec.Cmd
}

// startFerretDB runs with-ferretdb.sh with a command that prints the URI
// and then waits for its standard input to close: closing it is how the
// harness stops the server, and it also closes if the harness dies, so the
// script's cleanup always runs.
func startFerretDB(root string) (*ferretDB, error) {
	cmd := exec.Command(filepath.Join(root, "scripts", "with-ferretdb.sh"),
		"sh", "-c", `printf '%s\n' "$GATEHOUSE_TEST_MONGO_URI"; exec cat >/dev/null`)
	cmd.Stderr = os.Stderr // the script says when it builds FerretDB, which takes minutes once
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start with-ferretdb.sh: %w", err)
	}
	f := &ferretDB{stdin: stdin, cmd: cmd}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if f.uri = strings.TrimSpace(line); err != nil || !strings.HasPrefix(f.uri, "mongodb://") {
		f.stop()
		return nil, fmt.Errorf("with-ferretdb.sh gave no URI (%q, %v)", line, err)
	}
	return f, nil
}

func (f *ferretDB) stop() {
	_ = f.stdin.Close()
	_ = f.cmd.Wait()
}

// randomHex returns n random bytes in hex.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// engineEnv is the environment of an engine on the given store: operator
// credentials the harness chooses, and for MongoDB a fresh database and
// master key.
func engineEnv(addr, logLevel, adminSecret, mongoURI string) []string {
	env := []string{
		"GATEHOUSE_ADDR=" + addr,
		"GATEHOUSE_LOG_LEVEL=" + logLevel,
		"GATEHOUSE_ADMIN_KEY=" + adminKey,
		"GATEHOUSE_ADMIN_SECRET=" + adminSecret,
		"GATEHOUSE_MONGO_URI=" + mongoURI,
		"GATEHOUSE_SEED=",
	}
	if mongoURI != "" {
		key := make([]byte, 32)
		_, _ = rand.Read(key)
		env = append(env, "GATEHOUSE_MONGO_DB=loadtest_"+randomHex(6),
			"GATEHOUSE_MASTER_KEY="+base64.StdEncoding.EncodeToString(key))
	}
	return env
}

// adminKey is the operator key the harness gives the engine.
const adminKey = "loadtest"

// basicAuth is an Authorization header value.
func basicAuth(user, password string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
}
