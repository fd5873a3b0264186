// Command frontend-example is an OAuth 2.0 authorization server and OpenID
// Provider in a few hundred lines: the Gatehouse engine does the protocol,
// this program owns the users, the login and consent pages and a demo API.
// With no configuration it serves http://localhost:9000 for the demo service
// of `go run .`:
//
//	go run .                    # the engine, on :8080
//	go run ./frontend-example   # this frontend, on :9000
//
// then open http://localhost:9000 and sign in as john/john or jane/jane.
// See README.md in this directory.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/gatehouse-oss/gatehouse/frontend-example/app"
	gatehouse "github.com/gatehouse-oss/gatehouse/sdk"
)

// Defaults: the demo service that `go run .` creates in memory. Its values
// are public and for a laptop only.
const (
	defaultAddr      = ":9000"
	defaultEngine    = "http://127.0.0.1:8080"
	defaultAPIKey    = "5593494640"
	defaultAPISecret = "gatehouse-demo-api-secret-not-for-production"
	defaultIssuer    = "http://localhost:9000"
	defaultClient    = "demo-spa"
	// The protected resource allowed to call /introspect.
	defaultRSID     = "demo-rs"
	defaultRSSecret = "demo-resource-server-secret-not-for-production"
)

// Timeouts of the HTTP server (SECURITY D11: no slow-loris).
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 15 * time.Second
	writeTimeout      = 30 * time.Second
	idleTimeout       = 60 * time.Second
	shutdownTimeout   = 10 * time.Second
)

func main() {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	addr, cfg, err := loadConfig(os.Args[1:], os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "frontend-example:", err)
		os.Exit(2)
	}
	cfg.Logger = log
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := serve(ctx, addr, cfg, log); err != nil {
		log.Error("frontend-example stopped", "error", err)
		os.Exit(1)
	}
}

// loadConfig reads flags over environment variables over the defaults.
func loadConfig(args []string, getenv func(string) string) (string, app.Config, error) {
	env := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	fs := flag.NewFlagSet("frontend-example", flag.ContinueOnError)
	addr := fs.String("addr", env("FRONTEND_ADDR", defaultAddr), "listen address (FRONTEND_ADDR)")
	issuer := fs.String("issuer", env("FRONTEND_ISSUER", defaultIssuer), "this frontend's URL, the service's issuer (FRONTEND_ISSUER)")
	engine := fs.String("engine", env("GATEHOUSE_URL", defaultEngine), "the Gatehouse engine's URL (GATEHOUSE_URL)")
	key := fs.String("api-key", env("GATEHOUSE_API_KEY", defaultAPIKey), "the service's API key (GATEHOUSE_API_KEY)")
	client := fs.String("demo-client", env("FRONTEND_DEMO_CLIENT_ID", defaultClient), "client_id of the demo page at / (FRONTEND_DEMO_CLIENT_ID)")
	rsID := fs.String("rs-id", env("FRONTEND_RS_ID", defaultRSID), "the resource server allowed to call /introspect (FRONTEND_RS_ID)")
	if err := fs.Parse(args); err != nil {
		return "", app.Config{}, err
	}
	if fs.NArg() > 0 {
		return "", app.Config{}, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	// Secrets come from the environment only: a flag shows in ps.
	cfg := app.Config{
		Issuer:          *issuer,
		EngineURL:       *engine,
		APIKey:          *key,
		APISecret:       env("GATEHOUSE_API_SECRET", defaultAPISecret),
		DemoClientID:    *client,
		ResourceServers: map[string]string{*rsID: env("FRONTEND_RS_SECRET", defaultRSSecret)},
	}
	return *addr, cfg, nil
}

// serve runs the frontend until ctx ends, then lets in-flight requests
// finish.
func serve(ctx context.Context, addr string, cfg app.Config, log *slog.Logger) error {
	handler, err := app.New(cfg)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Addr:              addr,
		Handler:           handler,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	log.Info("frontend-example listening", "addr", addr, "issuer", cfg.Issuer, "engine", cfg.EngineURL)
	fmt.Fprintf(os.Stderr, "\nOpen %s/ and sign in as john/john or jane/jane.\n\n", strings.TrimSuffix(cfg.Issuer, "/"))
	go checkEngine(ctx, cfg, log)

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// checkEngine tells at start-up what would otherwise surface as a puzzling
// failure at the first sign-in: the engine is not reachable, the
// credentials are wrong, or the service's issuer is not this frontend.
func checkEngine(ctx context.Context, cfg app.Config, log *slog.Logger) {
	c := &gatehouse.Client{BaseURL: cfg.EngineURL, Key: cfg.APIKey, Secret: cfg.APISecret, Timeout: 2 * time.Second, MaxAttempts: 1}
	var doc json.RawMessage
	var err error
	// The engine may be starting in the next terminal: give it a while.
	for attempt := 0; attempt < 10; attempt++ {
		if doc, err = c.ServiceConfiguration(ctx); err == nil || ctx.Err() != nil {
			break
		}
		var apiErr *gatehouse.Error
		if errors.As(err, &apiErr) {
			break // the engine answered: waiting will not help
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
	if err != nil {
		if ctx.Err() == nil {
			log.Warn("the engine cannot be asked for the service's configuration: is it running (go run .), are GATEHOUSE_URL, GATEHOUSE_API_KEY and GATEHOUSE_API_SECRET right?",
				"engine", cfg.EngineURL, "error", err)
		}
		return
	}
	var meta struct {
		Issuer                string `json:"issuer"`
		AuthorizationEndpoint string `json:"authorization_endpoint"`
	}
	if err := json.Unmarshal(doc, &meta); err != nil {
		log.Warn("the engine's discovery document cannot be read", "error", err)
		return
	}
	issuer := strings.TrimSuffix(cfg.Issuer, "/")
	if meta.Issuer != issuer {
		log.Warn("the service's issuer is not this frontend: set FRONTEND_ISSUER, or the service's issuer",
			"service_issuer", meta.Issuer, "frontend_issuer", issuer)
	}
	if meta.AuthorizationEndpoint != issuer+"/authorize" {
		log.Info("the service's settings do not name this frontend's endpoints, so discovery does not publish them; "+
			"set the service's authorizationEndpoint, tokenEndpoint, userInfoEndpoint, jwksUri, revocationEndpoint and introspectionEndpoint",
			"authorization_endpoint", meta.AuthorizationEndpoint, "want", issuer+"/authorize")
	}
}
