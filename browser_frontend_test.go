package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// browserDir holds the browser test: demo.mjs and its pinned playwright-core.
var browserDir = filepath.Join("frontend-example", "browser")

// TestBrowserDemo is the quick start in a real browser: Debian's chromium,
// driven by playwright-core (frontend-example/browser/demo.mjs), opens the
// demo client page of frontend-example, signs in as john and sees the
// tokens, the ID token's claims and the API's answer; then, in a fresh
// profile, jane denies and the page shows access_denied. Screenshots are
// kept in frontend-example/browser/artifacts.
//
// It needs chromium and `npm ci` in frontend-example/browser (`make
// browser-deps` installs both). Without them it is skipped, unless
// GATEHOUSE_TEST_BROWSER_REQUIRED=1 (as in `make test`), which makes it
// fail.
func TestBrowserDemo(t *testing.T) {
	missing := func(what string) {
		t.Helper()
		msg := what + "; run `make browser-deps` to install chromium and playwright-core"
		if os.Getenv("GATEHOUSE_TEST_BROWSER_REQUIRED") == "1" {
			t.Fatal(msg + " (GATEHOUSE_TEST_BROWSER_REQUIRED=1)")
		}
		t.Skip(msg)
	}
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		missing("chromium is not installed")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing("node is not installed")
	}
	if _, err := os.Stat(filepath.Join(browserDir, "node_modules", "playwright-core", "package.json")); err != nil {
		missing("playwright-core is not installed in " + browserDir)
	}
	artifacts, err := filepath.Abs(filepath.Join(browserDir, "artifacts"))
	if err != nil {
		t.Fatal(err)
	}

	b := startFrontendBed(t)
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	start := time.Now()
	cmd := exec.CommandContext(ctx, node, filepath.Join(browserDir, "demo.mjs"), b.issuer, artifacts)
	cmd.Env = append(os.Environ(), "CHROMIUM="+chromium)
	cmd.WaitDelay = 5 * time.Second // chromium may hold the output open after a kill
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("browser test: %v\n%s\nscreenshots: %s", err, out, artifacts)
	}
	t.Logf("browser test passed in %s; screenshots in %s\n%s", time.Since(start).Round(time.Millisecond), artifacts, out)
}
