package gatehouse

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestDoSendsCredentialsAndDecodes(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key, secret, ok := r.BasicAuth()
		if !ok || key != "123" || secret != "s3cret" {
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"resultCode":"G000203","resultMessage":"[G000203] missing or invalid API credentials"}`)
			return
		}
		if r.Method != http.MethodPost || r.URL.Path != "/api/client/create" || r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("got %s %s (%s)", r.Method, r.URL.Path, r.Header.Get("Content-Type"))
		}
		body, _ := io.ReadAll(r.Body)
		if string(body) != `{"clientName":"x"}` {
			t.Errorf("body = %s", body)
		}
		io.WriteString(w, `{"clientId":42}`)
	}))
	defer srv.Close()

	c := &Client{BaseURL: srv.URL + "/", Key: "123", Secret: "s3cret"}
	var out struct {
		ClientID int64 `json:"clientId"`
	}
	if err := c.Do(context.Background(), http.MethodPost, "/api/client/create", map[string]string{"clientName": "x"}, &out); err != nil {
		t.Fatal(err)
	}
	if out.ClientID != 42 {
		t.Errorf("clientId = %d, want 42", out.ClientID)
	}

	c.Secret = "wrong"
	err := c.Do(context.Background(), http.MethodGet, "/api/client/get/list", nil, &out)
	var apiErr *Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 401 || apiErr.ResultCode != "G000203" {
		t.Fatalf("error = %#v, want a 401 *Error with G000203", err)
	}
}

func TestDoReportsForeignErrorBodies(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "bad gateway", http.StatusBadGateway)
	}))
	defer srv.Close()
	err := (&Client{BaseURL: srv.URL}).Do(context.Background(), http.MethodGet, "/health/ready", nil, nil)
	var apiErr *Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusBadGateway || apiErr.ResultCode != "" {
		t.Fatalf("error = %#v, want a 502 *Error without result", err)
	}
}
