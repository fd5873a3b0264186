// Command gatehouse runs the Gatehouse engine: a multi-tenant OAuth 2.0 and
// OpenID Connect protocol engine offered as a JSON REST API.
//
// Configuration comes from flags and GATEHOUSE_* environment variables (a
// flag wins over its variable) and is read here only; every package below
// gets plain structs. See README.md for the table of settings.
package main

import (
	"context"
	_ "embed"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gatehouse-oss/gatehouse/service"
)

// contract is the OpenAPI document, served at /openapi.yaml.
//
//go:embed openapi.yaml
var contract []byte

func main() {
	if len(os.Args) > 1 && os.Args[1] == "healthcheck" {
		os.Exit(healthcheck(os.Args[2:], os.Getenv, os.Stderr))
	}
	cfg, err := loadConfig(os.Args[1:], os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gatehouse:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg, os.Stdout); err != nil {
		slog.Error("gatehouse stopped", "error", err)
		os.Exit(1)
	}
}

// config is everything the process is told.
type config struct {
	Addr        string
	MongoURI    string
	MongoDB     string
	AdminKey    string
	AdminSecret string
	SeedFile    string
	LogLevel    slog.Level
	// CacheTTL bounds the staleness of cached service and client settings
	// (DESIGN §7); 0 turns the cache off.
	CacheTTL time.Duration
	// ShutdownDelay is how long a stopping process keeps serving with
	// /health/ready at 503 before it closes its listener, so that load
	// balancers stop routing to it first.
	ShutdownDelay time.Duration
	// Logs receives the JSON log lines; os.Stderr when nil (tests capture
	// them to prove what is never logged).
	Logs io.Writer
	// MasterKey seals private signing keys at rest; nil in memory mode,
	// where the engine draws one for the life of the process.
	MasterKey []byte
}

// loadConfig reads flags over environment variables and reports every bad
// setting at once.
func loadConfig(args []string, getenv func(string) string) (config, error) {
	fs := flag.NewFlagSet("gatehouse", flag.ContinueOnError)
	env := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	var cfg config
	var level string
	fs.StringVar(&cfg.Addr, "addr", env("GATEHOUSE_ADDR", ":8080"), "listen address (GATEHOUSE_ADDR)")
	fs.StringVar(&cfg.MongoURI, "mongo-uri", env("GATEHOUSE_MONGO_URI", ""), "MongoDB URI; empty runs the in-memory store (GATEHOUSE_MONGO_URI)")
	fs.StringVar(&cfg.MongoDB, "mongo-db", env("GATEHOUSE_MONGO_DB", "gatehouse"), "MongoDB database name (GATEHOUSE_MONGO_DB)")
	fs.StringVar(&cfg.SeedFile, "seed", env("GATEHOUSE_SEED", ""), "JSON or YAML file of services and clients applied at start (GATEHOUSE_SEED)")
	fs.StringVar(&level, "log-level", env("GATEHOUSE_LOG_LEVEL", "info"), "debug, info, warn or error (GATEHOUSE_LOG_LEVEL)")
	cacheTTL := env("GATEHOUSE_CACHE_TTL", "5s")
	fs.Func("cache-ttl", "how stale cached service and client settings may be, e.g. 5s; 0 turns the cache off (GATEHOUSE_CACHE_TTL)", func(v string) error {
		cacheTTL = v
		return nil
	})
	shutdownDelay := env("GATEHOUSE_SHUTDOWN_DELAY", "0s")
	fs.Func("shutdown-delay", "on SIGTERM, how long to keep serving with readiness at 503 before closing the listener, e.g. 5s (GATEHOUSE_SHUTDOWN_DELAY)", func(v string) error {
		shutdownDelay = v
		return nil
	})
	// Secrets come from the environment only: flags show up in process lists.
	cfg.AdminKey, cfg.AdminSecret = getenv("GATEHOUSE_ADMIN_KEY"), getenv("GATEHOUSE_ADMIN_SECRET")
	masterKey := getenv("GATEHOUSE_MASTER_KEY")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	var errs []error
	if err := cfg.LogLevel.UnmarshalText([]byte(level)); err != nil {
		errs = append(errs, fmt.Errorf("log level %q: want debug, info, warn or error", level))
	}
	if d, err := time.ParseDuration(cacheTTL); err != nil || d < 0 || d > maxCacheTTL {
		errs = append(errs, fmt.Errorf("cache TTL %q: want a duration from 0 to %s, e.g. 5s", cacheTTL, maxCacheTTL))
	} else {
		cfg.CacheTTL = d
	}
	if d, err := time.ParseDuration(shutdownDelay); err != nil || d < 0 || d > maxShutdownDelay {
		errs = append(errs, fmt.Errorf("shutdown delay %q: want a duration from 0 to %s, e.g. 5s", shutdownDelay, maxShutdownDelay))
	} else {
		cfg.ShutdownDelay = d
	}
	if (cfg.AdminKey == "") != (cfg.AdminSecret == "") {
		errs = append(errs, errors.New("set both GATEHOUSE_ADMIN_KEY and GATEHOUSE_ADMIN_SECRET, or neither"))
	}
	if cfg.AdminSecret != "" && len(cfg.AdminSecret) < 32 {
		errs = append(errs, errors.New("GATEHOUSE_ADMIN_SECRET must be at least 32 characters"))
	}
	if cfg.MongoURI != "" && cfg.MongoDB == "" {
		errs = append(errs, errors.New("GATEHOUSE_MONGO_DB must not be empty"))
	}
	switch key, err := decodeMasterKey(masterKey); {
	case err != nil:
		errs = append(errs, err)
	case key == nil && cfg.MongoURI != "":
		errs = append(errs, errors.New("GATEHOUSE_MASTER_KEY is required with MongoDB: without it the signing keys sealed under it cannot be opened after a restart (generate one with: openssl rand -base64 32)"))
	default:
		cfg.MasterKey = key
	}
	return cfg, errors.Join(errs...)
}

// decodeMasterKey reads GATEHOUSE_MASTER_KEY: 32 bytes in base64, standard or
// URL alphabet, padded or not. Empty means none.
func decodeMasterKey(s string) ([]byte, error) {
	if s == "" {
		return nil, nil
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if key, err := enc.DecodeString(s); err == nil {
			if len(key) != service.MasterKeySize {
				return nil, fmt.Errorf("GATEHOUSE_MASTER_KEY holds %d bytes, want %d", len(key), service.MasterKeySize)
			}
			return key, nil
		}
	}
	return nil, errors.New("GATEHOUSE_MASTER_KEY is not base64")
}

// maxCacheTTL caps GATEHOUSE_CACHE_TTL: DESIGN §7 wants configuration
// changes visible to every instance within a few seconds. maxShutdownDelay
// keeps the drain well inside the usual 30 s termination grace period.
const (
	maxCacheTTL      = time.Minute
	maxShutdownDelay = 20 * time.Second
)

// Timeouts of the HTTP server (SECURITY D11: no slowloris) and of shutdown.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 30 * time.Second
	writeTimeout      = 30 * time.Second
	idleTimeout       = 120 * time.Second
	shutdownTimeout   = 25 * time.Second
)

// shutdown is how serve stops: draining is raised first (readiness turns
// 503), delay later the listener closes, and in-flight requests get
// shutdownTimeout to finish.
type shutdown struct {
	draining *atomic.Bool
	delay    time.Duration
}

// serve runs srv until ctx ends, then shuts it down gracefully.
func serve(ctx context.Context, srv *http.Server, sd shutdown, log *slog.Logger) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	select {
	case err := <-errc:
		return fmt.Errorf("listen on %s: %w", srv.Addr, err)
	case <-ctx.Done():
	}
	sd.draining.Store(true)
	log.Info("shutting down", "drain", sd.delay.String(), "grace", shutdownTimeout.String())
	select {
	case <-time.After(sd.delay):
	case err := <-errc:
		return fmt.Errorf("listen on %s: %w", srv.Addr, err)
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped: every request in flight was answered")
	return nil
}
