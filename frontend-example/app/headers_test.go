package app

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestBrowserPagesRefuseFraming is SECURITY A52 for the pages the frontend
// renders: no page of it may be framed by another origin (clickjacking of
// the login and consent forms).
func TestBrowserPagesRefuseFraming(t *testing.T) {
	h, err := New(Config{Issuer: "http://localhost:9000", EngineURL: "http://127.0.0.1:1", APIKey: "1", APISecret: "s"})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("A52_login_and_consent_pages_not_framable", func(t *testing.T) {
		for _, path := range []string{"/", "/login?id=x", "/consent?id=x"} {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
			if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") {
				t.Errorf("%s (%d): Content-Security-Policy %q", path, rec.Code, csp)
			}
			if xfo := rec.Header().Get("X-Frame-Options"); xfo != "DENY" {
				t.Errorf("%s (%d): X-Frame-Options %q", path, rec.Code, xfo)
			}
		}
	})
}
