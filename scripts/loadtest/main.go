// Command loadtest measures the engine over HTTP on loopback, against a bare
// echo handler measured in the same run (issue 9, BENCHMARKS.md).
//
//	go run ./scripts/loadtest                   # memstore, then FerretDB
//	go run ./scripts/loadtest -stores memstore  # memstore only
//
// It builds the engine (the repository's main package) and
// scripts/refserver, starts both on free 127.0.0.1 ports, seeds a service
// and a client through the management API, and runs every scenario at each
// connection count for a bounded time: client_credentials, both
// introspections, and the whole authorization code flow in flows/s. Every
// row shows its rate, p50 and p99 latency and its ratio to the bare
// handler, measured in slices interleaved with the row's; each store phase
// ends with the engine's peak RSS. Last, it measures what the memstore
// keeps per live access token. The targets are checked at the end.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// config is what the flags say.
type config struct {
	duration, slice, warmup time.Duration
	conns                   []int
	stores                  []string
	scenarios               []string // ids; the bare handler always runs
	footprintTokens         int
	engineLogLevel          string
	engineLog               string
}

func main() {
	var cfg config
	var conns, stores, only string
	child := flag.Int("footprint-child", 0, "internal: measure the memstore footprint of this many tokens and print it as JSON")
	flag.DurationVar(&cfg.duration, "duration", 4*time.Second, "measured time of each row, and of the bare handler interleaved with it")
	flag.DurationVar(&cfg.slice, "slice", time.Second, "measured time of one slice: a row alternates slices of its scenario and of the bare handler")
	flag.DurationVar(&cfg.warmup, "warmup", 200*time.Millisecond, "unmeasured time before each slice (connections are opened afresh)")
	flag.StringVar(&conns, "conns", "16,64", "connection counts, comma-separated")
	flag.StringVar(&stores, "stores", "memstore,ferretdb", "store phases in order: memstore, ferretdb")
	flag.StringVar(&only, "scenarios", "cc,introspection,standard,codeflow", "scenarios to run, comma-separated; the bare handler always runs")
	flag.IntVar(&cfg.footprintTokens, "footprint-tokens", 1_000_000, "access tokens issued for the footprint measurement; 0 skips it")
	flag.StringVar(&cfg.engineLogLevel, "engine-log-level", "info", "the engine's GATEHOUSE_LOG_LEVEL; info, its default, logs a line per request")
	flag.StringVar(&cfg.engineLog, "engine-log", os.DevNull, "file the engine's output goes to (a line per request: hundreds of MB)")
	flag.Parse()

	if *child > 0 {
		if err := footprintChild(*child); err != nil {
			fmt.Fprintln(os.Stderr, "loadtest footprint:", err)
			os.Exit(1)
		}
		return
	}
	for s := range strings.SplitSeq(conns, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			fmt.Fprintf(os.Stderr, "loadtest: bad -conns %q\n", conns)
			os.Exit(2)
		}
		cfg.conns = append(cfg.conns, n)
	}
	for s := range strings.SplitSeq(stores, ",") {
		if s = strings.TrimSpace(s); s != "memstore" && s != "ferretdb" {
			fmt.Fprintf(os.Stderr, "loadtest: unknown store %q in -stores\n", s)
			os.Exit(2)
		}
		cfg.stores = append(cfg.stores, strings.TrimSpace(s))
	}

	known := map[string]bool{}
	for _, sc := range scenarios() {
		known[sc.id] = true
	}
	for s := range strings.SplitSeq(only, ",") {
		if s = strings.TrimSpace(s); !known[s] {
			fmt.Fprintf(os.Stderr, "loadtest: unknown scenario %q in -scenarios\n", s)
			os.Exit(2)
		}
		cfg.scenarios = append(cfg.scenarios, s)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

// phase is one store's rows.
type phase struct {
	store string
	rows  []result
}

func run(ctx context.Context, cfg config, out io.Writer) error {
	began := time.Now()
	root, err := moduleRoot(ctx)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "gatehouse-loadtest-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	fmt.Fprintln(out, "building the engine and scripts/refserver")
	engineBin, err := build(ctx, root, dir, "gatehouse", ".")
	if err != nil {
		return err
	}
	refBin, err := build(ctx, root, dir, "refserver", "./scripts/refserver")
	if err != nil {
		return err
	}
	refAddr, err := freeAddr()
	if err != nil {
		return err
	}
	ref, err := startServer(ctx, "refserver", refBin, []string{"-addr", refAddr}, nil, refAddr, filepath.Join(dir, "refserver.log"))
	if err != nil {
		return err
	}
	defer ref.stop()

	fmt.Fprintf(out, "each row: %s measured in %s slices (each after a %s warm-up), alternating with the bare handler; connections %v\n\n",
		cfg.duration, cfg.slice, cfg.warmup, cfg.conns)
	printHeader(out)
	var phases []phase
	for _, st := range cfg.stores {
		p, err := runPhase(ctx, cfg, root, engineBin, ref, st, out)
		if err != nil {
			return fmt.Errorf("%s: %w", st, err)
		}
		phases = append(phases, p)
	}

	var fp *footprint
	if cfg.footprintTokens > 0 {
		fmt.Fprintf(out, "\nmemstore footprint: issuing %d access tokens in a child process\n", cfg.footprintTokens)
		f, err := measureFootprint(ctx, cfg.footprintTokens)
		if err != nil {
			return err
		}
		fp = &f
	}
	report(out, phases, fp)
	fmt.Fprintf(out, "\ntotal time %s\n", time.Since(began).Round(time.Second))
	return nil
}

// runPhase starts an engine on one store, seeds it, and measures every
// scenario at every connection count. A row is measured in slices, each
// followed by a slice of the bare handler, so that the ratio compares
// measurements made under the same background load: the machines are shared,
// and what the neighbours run moves absolute rates by a third within
// minutes.
func runPhase(ctx context.Context, cfg config, root, engineBin string, ref *process, storeName string, out io.Writer) (phase, error) {
	p := phase{store: storeName}
	mongoURI := ""
	if storeName == "ferretdb" {
		fdb, err := startFerretDB(root)
		if err != nil {
			return p, err
		}
		defer fdb.stop()
		mongoURI = fdb.uri
	}
	addr, err := freeAddr()
	if err != nil {
		return p, err
	}
	adminSecret := randomHex(24)
	engine, err := startServer(ctx, "engine", engineBin, nil, engineEnv(addr, cfg.engineLogLevel, adminSecret, mongoURI), addr, cfg.engineLog)
	if err != nil {
		return p, err
	}
	defer engine.stop()
	// The pid is for profiling the engine from outside while it runs
	// (perf record -p, see BENCHMARKS.md).
	fmt.Fprintf(out, "| %s | engine pid %d | | | | | | | | |\n", storeName, engine.cmd.Process.Pid)
	t, err := seed(addr, basicAuth(adminKey, adminSecret))
	if err != nil {
		return p, fmt.Errorf("seed: %w\n%s", err, engine.logEnd())
	}
	all := scenarios()
	bareScenario := all[slices.IndexFunc(all, func(sc scenario) bool { return sc.bare })]
	// On FerretDB a code flow takes up to seconds under 64 connections:
	// short slices would count only the fast ones. Its ratios have no
	// target, so it gets one slice per row.
	slice := cfg.slice
	if storeName == "ferretdb" {
		slice = cfg.duration
	}
	rounds := max(1, int(cfg.duration/slice))
	for _, n := range cfg.conns {
		var bareAll sample
		for _, sc := range all {
			if sc.bare || !slices.Contains(cfg.scenarios, sc.id) {
				continue
			}
			var bare, eng sample
			for range rounds {
				eng.add(measure(ctx, engine, t, sc, n, cfg.warmup, slice))
				bare.add(measure(ctx, ref, t, bareScenario, n, cfg.warmup, slice))
			}
			if err := ctx.Err(); err != nil {
				return p, err
			}
			r := newResult(storeName, sc, n, eng)
			if b := bare.rate(); b > 0 {
				r.ratio = r.rate / b
			}
			if r.cpu > 0 {
				r.cpuRatio = bare.cpuPerUnit() / r.cpu
			}
			printRow(out, r)
			p.rows = append(p.rows, r)
			bareAll.add(bare)
		}
		r := newResult(storeName, bareScenario, n, bareAll)
		printRow(out, r)
		p.rows = append(p.rows, r)
	}
	peak, err := engine.peakRSS()
	if err != nil {
		return p, err
	}
	fmt.Fprintf(out, "| %s | engine peak RSS (VmHWM) | | %.1f MiB | | | | | | |\n", storeName, mib(peak))
	return p, nil
}

func printHeader(out io.Writer) {
	fmt.Fprintln(out, "| store | scenario | conns | rate | p50 | p99 | ratio to bare | server CPU per unit | CPU ratio | errors |")
	fmt.Fprintln(out, "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
}

func printRow(out io.Writer, r result) {
	unit, ratio, cpuRatio := "req/s", "—", "—"
	if r.scenario.flow {
		unit = "flows/s"
	}
	if !r.scenario.bare {
		ratio, cpuRatio = fmt.Sprintf("%.1f %%", 100*r.ratio), fmt.Sprintf("%.1f %%", 100*r.cpuRatio)
	}
	fmt.Fprintf(out, "| %s | %s | %d | %.0f %s | %s | %s | %s | %.0f µs | %s | %d |\n", r.store, r.scenario.name, r.conns,
		r.rate, unit, ms(r.p50), ms(r.p99), ratio, r.cpu*1e6, cpuRatio, r.errors)
	if r.firstErr != nil {
		fmt.Fprintf(out, "  first error: %v\n", r.firstErr)
	}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

func mib(b int64) float64 { return float64(b) / (1 << 20) }

// target is one of issue 9's targets on the memstore at 16 connections.
type target struct {
	what     string
	scenario string
	ratio    float64       // minimum ratio to the bare handler, or 0
	p99      time.Duration // maximum p99, or 0
}

var targets = []target{
	{what: "client_credentials ≥ 50 % of bare", scenario: "client_credentials", ratio: 0.50},
	{what: "introspection ≥ 60 % of bare", scenario: "introspection", ratio: 0.60},
	{what: "code flow without ID token ≥ 15 % of bare (flows/s)", scenario: "code flow (no ID token)", ratio: 0.15},
	{what: "client_credentials p99 < 10 ms", scenario: "client_credentials", p99: 10 * time.Millisecond},
	{what: "introspection p99 < 10 ms", scenario: "introspection", p99: 10 * time.Millisecond},
	{what: "introspection/standard p99 < 10 ms", scenario: "introspection/standard", p99: 10 * time.Millisecond},
}

// targetConns is the connection count the targets are set at.
const targetConns = 16

// maxBytesPerToken is the footprint target: 1 KiB per live access token.
const maxBytesPerToken = 1024

// report prints the footprint and checks the targets.
func report(out io.Writer, phases []phase, fp *footprint) {
	if fp != nil {
		fmt.Fprintf(out, "\n%d tokens issued in %.1f s (%.0f tokens/s in-process)\n", fp.Tokens, fp.Seconds, float64(fp.Tokens)/fp.Seconds)
		fmt.Fprintf(out, "  RSS after GC:  %.1f → %.1f MiB = %.0f B per live token\n", mib(fp.RSSBefore), mib(fp.RSSAfter), fp.rssPerToken())
		fmt.Fprintf(out, "  live heap:     %.1f → %.1f MiB = %.0f B per live token\n", mib(fp.HeapBefore), mib(fp.HeapAfter), fp.heapPerToken())
		fmt.Fprintf(out, "  peak RSS:      %.1f MiB = %.0f B per token issued (GOGC=100 headroom included)\n", mib(fp.PeakRSS), fp.peakPerToken())
		fmt.Fprintf(out, "then %d code flows: live heap +%.1f MiB = %.0f B per flow (ticket, code, tokens, replay mark)\n",
			fp.Flows, mib(fp.FlowHeap), fp.heapPerFlow())
	}
	i := slices.IndexFunc(phases, func(p phase) bool { return p.store == "memstore" })
	if i < 0 {
		return
	}
	fmt.Fprintf(out, "\ntargets (memstore, %d connections):\n", targetConns)
	for _, tg := range targets {
		j := slices.IndexFunc(phases[i].rows, func(r result) bool { return r.scenario.name == tg.scenario && r.conns == targetConns })
		if j < 0 {
			fmt.Fprintf(out, "  %-55s not measured\n", tg.what)
			continue
		}
		r := phases[i].rows[j]
		switch {
		case tg.ratio > 0:
			fmt.Fprintf(out, "  %-55s %s: %.1f %% (CPU ratio %.1f %%)\n", tg.what, verdict(r.ratio >= tg.ratio && r.errors == 0), 100*r.ratio, 100*r.cpuRatio)
		default:
			fmt.Fprintf(out, "  %-55s %s: %s\n", tg.what, verdict(r.p99 < tg.p99 && r.errors == 0), ms(r.p99))
		}
	}
	if fp != nil {
		fmt.Fprintf(out, "  %-55s %s: %.0f B (peak RSS: %.0f B)\n", "memstore < 1 KiB per live access token (RSS)",
			verdict(fp.rssPerToken() < maxBytesPerToken), fp.rssPerToken(), fp.peakPerToken())
	}
}

func verdict(met bool) string {
	if met {
		return "MET   "
	}
	return "MISSED"
}
