package main

import (
	"strings"
	"testing"
)

func TestLoadConfig(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

	// No configuration: the demo service of `go run .`.
	addr, cfg, err := loadConfig(nil, env(nil))
	if err != nil || addr != ":9000" || cfg.Issuer != "http://localhost:9000" || cfg.EngineURL != "http://127.0.0.1:8080" ||
		cfg.APIKey != "5593494640" || cfg.APISecret != defaultAPISecret || cfg.DemoClientID != "demo-spa" ||
		cfg.ResourceServers[defaultRSID] != defaultRSSecret {
		t.Fatalf("defaults: %s %+v, %v", addr, cfg, err)
	}

	// The names docker-compose.yml sets, and flags over them.
	addr, cfg, err = loadConfig([]string{"-addr", "127.0.0.1:9001"}, env(map[string]string{
		"FRONTEND_ADDR": ":1", "GATEHOUSE_URL": "http://lb:8080", "GATEHOUSE_API_KEY": "77", "GATEHOUSE_API_SECRET": "s3cret",
		"FRONTEND_ISSUER": "https://login.example.com", "FRONTEND_RS_ID": "orders", "FRONTEND_RS_SECRET": "rs",
	}))
	if err != nil || addr != "127.0.0.1:9001" || cfg.EngineURL != "http://lb:8080" || cfg.APIKey != "77" || cfg.APISecret != "s3cret" ||
		cfg.Issuer != "https://login.example.com" || cfg.ResourceServers["orders"] != "rs" || len(cfg.ResourceServers) != 1 {
		t.Fatalf("environment and flags: %s %+v, %v", addr, cfg, err)
	}

	if _, _, err := loadConfig([]string{"extra"}, env(nil)); err == nil || !strings.Contains(err.Error(), "extra") {
		t.Errorf("a stray argument: %v", err)
	}
}
