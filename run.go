package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"sync/atomic"
	"time"

	"github.com/gatehouse-oss/gatehouse/api"
	"github.com/gatehouse-oss/gatehouse/service"
	"github.com/gatehouse-oss/gatehouse/store"
	"github.com/gatehouse-oss/gatehouse/store/memstore"
	"github.com/gatehouse-oss/gatehouse/store/mongostore"
)

// sweepInterval is how often expired single-use records are deleted. Expiry
// itself is decided at read time; sweeping only reclaims space.
const sweepInterval = 5 * time.Minute

// run starts the engine and serves until ctx ends. Credentials that are
// generated or seeded for the demo are printed once to out — never logged.
func run(ctx context.Context, cfg config, out io.Writer) error {
	logs := cfg.Logs
	if logs == nil {
		logs = os.Stderr
	}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: cfg.LogLevel}))

	metrics := api.NewMetrics()
	st, err := openStore(ctx, cfg, metrics)
	if err != nil {
		return err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := st.Close(cctx); err != nil {
			log.Warn("close store", "error", err)
		}
	}()
	engine, err := service.New(service.Config{Store: st, MasterKey: cfg.MasterKey, ConfigCacheTTL: cfg.CacheTTL})
	if err != nil {
		return err
	}

	switch {
	case cfg.SeedFile != "":
		if err := applySeedFile(ctx, engine, cfg.SeedFile); err != nil {
			return err
		}
		log.Info("seed applied", "file", cfg.SeedFile)
	case cfg.MongoURI == "":
		if err := engine.ApplySeed(ctx, demoSeed()); err != nil {
			return fmt.Errorf("demo seed: %w", err)
		}
		printDemo(out)
	}
	if cfg.AdminKey == "" {
		if cfg.AdminKey, cfg.AdminSecret, err = generateAdmin(); err != nil {
			return err
		}
		fmt.Fprintf(out, "Operator credentials (generated; set GATEHOUSE_ADMIN_KEY and GATEHOUSE_ADMIN_SECRET to choose your own):\n  admin key:    %s\n  admin secret: %s\n\n", cfg.AdminKey, cfg.AdminSecret)
	}

	var draining atomic.Bool
	handler := api.New(api.Config{
		Engine:      engine,
		AdminKey:    cfg.AdminKey,
		AdminSecret: cfg.AdminSecret,
		Logger:      log,
		OpenAPI:     contract,
		Metrics:     metrics,
		Draining:    draining.Load,
	})
	srv := &http.Server{
		Addr:              cfg.Addr,
		Handler:           handler,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	go sweep(ctx, engine, log)
	log.Info("gatehouse listening", "addr", cfg.Addr, "store", storeKind(cfg))
	return serve(ctx, srv, shutdown{draining: &draining, delay: cfg.ShutdownDelay}, log)
}

func storeKind(cfg config) string {
	if cfg.MongoURI == "" {
		return "memory"
	}
	return "mongodb"
}

// openStore picks the backend: MongoDB when a URI is set, else memory.
func openStore(ctx context.Context, cfg config, metrics *api.Metrics) (store.Store, error) {
	if cfg.MongoURI == "" {
		return memstore.New(), nil
	}
	octx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	st, err := mongostore.Open(octx, mongostore.Config{URI: cfg.MongoURI, Database: cfg.MongoDB, Observe: metrics.ObserveStoreCommand})
	if err != nil {
		return nil, fmt.Errorf("open mongodb: %w", err)
	}
	return st, nil
}

func applySeedFile(ctx context.Context, engine *service.Engine, path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read seed: %w", err)
	}
	seed, err := api.DecodeSeed(data)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := engine.ApplySeed(ctx, seed); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// generateAdmin draws operator credentials when none are configured.
func generateAdmin() (key, secret string, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", fmt.Errorf("generate admin credentials: %w", err)
	}
	return "admin", fmt.Sprintf("%x", b), nil
}

// sweep deletes expired single-use records until ctx ends.
func sweep(ctx context.Context, engine *service.Engine, log *slog.Logger) {
	t := time.NewTicker(sweepInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n, err := engine.SweepExpired(ctx); err != nil {
				log.Warn("sweep expired records", "error", err)
			} else if n > 0 {
				log.Debug("swept expired records", "count", n)
			}
		}
	}
}
