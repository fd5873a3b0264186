package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gatehouse-oss/gatehouse/store"
	"github.com/gatehouse-oss/gatehouse/store/memstore"
)

// countingStore counts the store calls a request causes beyond the
// authentication of its caller, which every API call makes first.
type countingStore struct {
	*memstore.Store
	calls atomic.Int64
}

func (s *countingStore) GetClient(ctx context.Context, serviceID, clientID int64) (store.Client, error) {
	s.calls.Add(1)
	return s.Store.GetClient(ctx, serviceID, clientID)
}

func (s *countingStore) GetClientByAlias(ctx context.Context, serviceID int64, alias string) (store.Client, error) {
	s.calls.Add(1)
	return s.Store.GetClientByAlias(ctx, serviceID, alias)
}

func (s *countingStore) CreateClient(ctx context.Context, c store.Client) error {
	s.calls.Add(1)
	return s.Store.CreateClient(ctx, c)
}

func (s *countingStore) GetToken(ctx context.Context, serviceID int64, hash string) (store.Token, error) {
	s.calls.Add(1)
	return s.Store.GetToken(ctx, serviceID, hash)
}

// TestLimits is issue 10's limits: each answered with its own clear error,
// and the size and count limits before the engine touches the store for
// the request itself.
func TestLimits(t *testing.T) {
	st := &countingStore{Store: memstore.New()}
	m := newMgmt(t, st)
	key, secret := m.newService()
	m.newClient(key, secret, `{"clientName":"Web","clientType":"CONFIDENTIAL","clientIdAlias":"web","redirectUris":["https://app.example/cb"]}`)

	big := func(n int) string { return strings.Repeat("a", n) }
	cases := []struct {
		name, path, contentType, body string
		status                        int
		code                          string // resultCode
		storeFree                     bool   // answered before any store call
	}{
		{"runtime body over 64 KiB", "/api/auth/token", "application/json", `{"parameters":"` + big(64<<10) + `"}`, http.StatusRequestEntityTooLarge, "G000204", true},
		{"management body over 1 MiB", "/api/client/create", "application/json", `{"clientName":"` + big(1<<20) + `"}`, http.StatusRequestEntityTooLarge, "G000204", true},
		{"authorization parameters over 16 KiB", "/api/auth/authorization", "application/json",
			`{"parameters":"client_id=web&state=` + big(16<<10) + `"}`, http.StatusOK, "G004301", true},
		{"more than 100 authorization parameters", "/api/auth/authorization", "application/json",
			`{"parameters":"` + strings.Repeat("x=1&", 101) + `client_id=web"}`, http.StatusOK, "G004301", true},
		{"more than 100 token parameters", "/api/auth/token", "application/json",
			`{"parameters":"` + strings.Repeat("x=1&", 101) + `grant_type=client_credentials"}`, http.StatusOK, "G005301", true},
		{"more than 100 scopes", "/api/auth/authorization", "application/json",
			`{"parameters":"` + url.Values{"client_id": {"web"}, "response_type": {"code"}, "redirect_uri": {"https://app.example/cb"},
				"scope": {strings.TrimSpace(strings.Repeat("s ", 101))}}.Encode() + `"}`, http.StatusOK, "G004319", false},
		{"more than 50 redirect URIs", "/api/client/create", "application/json",
			`{"clientName":"Many","clientType":"CONFIDENTIAL","redirectUris":[` + strings.TrimSuffix(strings.Repeat(`"https://a.example/cb",`, 51), ",") + `]}`,
			http.StatusBadRequest, "G000202", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := st.calls.Load()
			req := httptest.NewRequest(http.MethodPost, tc.path, strings.NewReader(tc.body))
			req.SetBasicAuth(key, secret)
			req.Header.Set("Content-Type", tc.contentType)
			rec := httptest.NewRecorder()
			m.e.ServeHTTP(rec, req)
			if rec.Code != tc.status || !strings.Contains(rec.Body.String(), `"resultCode":"`+tc.code+`"`) {
				t.Fatalf("got %d %.300s, want %d %s", rec.Code, rec.Body, tc.status, tc.code)
			}
			if n := st.calls.Load() - before; tc.storeFree && n != 0 {
				t.Errorf("%d store calls before the limit answered", n)
			}
		})
	}

	// A chunked body (no Content-Length) is cut at the limit as it is read.
	req := httptest.NewRequest(http.MethodPost, "/api/auth/token", strings.NewReader(`{"parameters":"`+big(70<<10)+`"}`))
	req.ContentLength = -1
	req.SetBasicAuth(key, secret)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	m.e.ServeHTTP(rec, req)
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("chunked over the limit = %d %.200s", rec.Code, rec.Body)
	}
}
