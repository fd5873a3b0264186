package main

import (
	"context"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gatehouse "github.com/gatehouse-oss/gatehouse/sdk"
)

func TestLoadConfig(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	cfg, err := loadConfig(nil, env(nil))
	if err != nil || cfg.Addr != ":8080" || cfg.MongoURI != "" || cfg.MongoDB != "gatehouse" || cfg.LogLevel != slog.LevelInfo || cfg.CacheTTL != 5*time.Second {
		t.Fatalf("defaults = %+v, %v", cfg, err)
	}
	cfg, err = loadConfig([]string{"-addr", "127.0.0.1:1"}, env(map[string]string{
		"GATEHOUSE_ADDR": ":9", "GATEHOUSE_LOG_LEVEL": "debug", "GATEHOUSE_SEED": "seed.yaml",
		"GATEHOUSE_ADMIN_KEY": "op", "GATEHOUSE_ADMIN_SECRET": strings.Repeat("x", 32),
	}))
	if err != nil || cfg.Addr != "127.0.0.1:1" || cfg.LogLevel != slog.LevelDebug || cfg.SeedFile != "seed.yaml" || cfg.AdminKey != "op" {
		t.Fatalf("flag over env = %+v, %v", cfg, err)
	}
	// Every bad setting is reported at once.
	_, err = loadConfig(nil, env(map[string]string{"GATEHOUSE_LOG_LEVEL": "loud", "GATEHOUSE_ADMIN_KEY": "op"}))
	if err == nil || !strings.Contains(err.Error(), "log level") || !strings.Contains(err.Error(), "GATEHOUSE_ADMIN_SECRET") {
		t.Fatalf("bad config error = %v", err)
	}
	if _, err := loadConfig(nil, env(map[string]string{"GATEHOUSE_ADMIN_KEY": "op", "GATEHOUSE_ADMIN_SECRET": "short"})); err == nil {
		t.Error("a short admin secret must be refused")
	}
	if cfg, err := loadConfig([]string{"-cache-ttl", "0"}, env(map[string]string{"GATEHOUSE_CACHE_TTL": "2s"})); err != nil || cfg.CacheTTL != 0 {
		t.Errorf("-cache-ttl 0 = %v, %v", cfg.CacheTTL, err)
	}
	for _, bad := range []string{"soon", "-1s", "2h"} {
		if _, err := loadConfig(nil, env(map[string]string{"GATEHOUSE_CACHE_TTL": bad})); err == nil || !strings.Contains(err.Error(), "cache TTL") {
			t.Errorf("GATEHOUSE_CACHE_TTL=%s: %v", bad, err)
		}
	}
}

// freeAddr returns a loopback address that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startEngine runs the engine as `go run .` does and waits until it is ready.
func startEngine(t *testing.T, cfg config) (base string, out *strings.Builder) {
	t.Helper()
	e := launch(t, cfg)
	t.Cleanup(func() {
		if err := e.stop(); err != nil {
			t.Errorf("run: %v", err)
		}
	})
	return e.base, e.out
}

// engineRun is an engine running in this process, as main runs it.
type engineRun struct {
	base   string
	out    *strings.Builder
	cancel context.CancelFunc // what SIGTERM does to main's context
	done   chan error
}

// stop ends the run as SIGTERM would and returns run's error; once only.
func (e *engineRun) stop() error {
	e.cancel()
	return <-e.done
}

// launch starts run on a free port and waits until it is ready. The caller
// stops it.
func launch(t *testing.T, cfg config) *engineRun {
	t.Helper()
	cfg.Addr = freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	e := &engineRun{base: "http://" + cfg.Addr, out: &strings.Builder{}, cancel: cancel, done: make(chan error, 1)}
	go func() { e.done <- run(ctx, cfg, e.out) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(e.base + "/health/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return e
			}
		}
		if time.Now().After(deadline) {
			_ = e.stop()
			t.Fatalf("not ready within 10 s: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestRunServesTheDemo is the quick start: with no configuration the engine
// serves the demo tenant, whose printed credentials manage clients.
func TestRunServesTheDemo(t *testing.T) {
	base, out := startEngine(t, config{MongoDB: "gatehouse", LogLevel: slog.LevelError})
	for _, want := range []string{fmt.Sprint(demoAPIKey), demoAPISecret, demoWebClientSecret, "admin secret:"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("start-up output lacks %q:\n%s", want, out)
		}
	}
	c := &gatehouse.Client{BaseURL: base, Key: fmt.Sprint(demoAPIKey), Secret: demoAPISecret}
	var web struct {
		ClientIDAlias string   `json:"clientIdAlias"`
		RedirectURIs  []string `json:"redirectUris"`
	}
	if err := c.Do(t.Context(), http.MethodGet, "/api/client/get/demo-web", nil, &web); err != nil {
		t.Fatalf("get demo-web: %v", err)
	}
	if web.RedirectURIs[0] != "http://localhost:9000/callback" {
		t.Errorf("demo-web = %+v", web)
	}
	var created struct {
		ClientID int64 `json:"clientId"`
	}
	body := map[string]any{"clientName": "Mine", "clientType": "PUBLIC", "redirectUris": []string{"http://127.0.0.1/cb"}}
	if err := c.Do(t.Context(), http.MethodPost, "/api/client/create", body, &created); err != nil || created.ClientID == 0 {
		t.Fatalf("create client: %v", err)
	}
}

func TestRunAppliesSeedFile(t *testing.T) {
	dir := t.TempDir()
	seed := filepath.Join(dir, "seed.yaml")
	secret := strings.Repeat("k", 40)
	err := os.WriteFile(seed, []byte(`services:
  - apiKey: 77
    apiSecret: `+secret+`
    serviceName: Seeded
    issuer: https://login.seeded.example
    clients:
      - clientId: 78
        clientName: Seeded app
        clientType: PUBLIC
        redirectUris: [https://app.seeded.example/cb]
`), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	base, out := startEngine(t, config{MongoDB: "gatehouse", SeedFile: seed, AdminKey: "op", AdminSecret: strings.Repeat("a", 32), LogLevel: slog.LevelError})
	if strings.Contains(out.String(), "Demo service") || strings.Contains(out.String(), "admin secret") {
		t.Errorf("with a seed and admin credentials nothing is generated or printed:\n%s", out)
	}
	c := &gatehouse.Client{BaseURL: base, Key: "77", Secret: secret}
	var got struct {
		ClientName string `json:"clientName"`
	}
	if err := c.Do(t.Context(), http.MethodGet, "/api/client/get/78", nil, &got); err != nil || got.ClientName != "Seeded app" {
		t.Fatalf("seeded client = %+v, %v", got, err)
	}
}

func TestRunRefusesABadSeed(t *testing.T) {
	seed := filepath.Join(t.TempDir(), "seed.json")
	if err := os.WriteFile(seed, []byte(`{"services":[{"apiKey":1,"apiSecret":"short","serviceName":"x","issuer":"https://x.example","bogus":true}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	err := run(t.Context(), config{Addr: freeAddr(t), SeedFile: seed}, &strings.Builder{})
	if err == nil || !strings.Contains(err.Error(), "bogus") {
		t.Fatalf("run with a bad seed = %v, want an error naming the field", err)
	}
}

func TestMasterKeyConfig(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	key := strings.Repeat("k", 32)
	for name, tc := range map[string]struct {
		env  map[string]string
		ok   bool
		want []byte
	}{
		"memory without key":    {map[string]string{}, true, nil},
		"mongo without key":     {map[string]string{"GATEHOUSE_MONGO_URI": "mongodb://x"}, false, nil},
		"mongo with base64 key": {map[string]string{"GATEHOUSE_MONGO_URI": "mongodb://x", "GATEHOUSE_MASTER_KEY": base64.StdEncoding.EncodeToString([]byte(key))}, true, []byte(key)},
		"raw url base64":        {map[string]string{"GATEHOUSE_MASTER_KEY": base64.RawURLEncoding.EncodeToString([]byte(key))}, true, []byte(key)},
		"16 bytes":              {map[string]string{"GATEHOUSE_MASTER_KEY": base64.StdEncoding.EncodeToString([]byte(key[:16]))}, false, nil},
		"not base64":            {map[string]string{"GATEHOUSE_MASTER_KEY": "not base64!"}, false, nil},
	} {
		t.Run(name, func(t *testing.T) {
			cfg, err := loadConfig(nil, env(tc.env))
			if (err == nil) != tc.ok || string(cfg.MasterKey) != string(tc.want) {
				t.Fatalf("loadConfig = key %q, %v", cfg.MasterKey, err)
			}
		})
	}
}
