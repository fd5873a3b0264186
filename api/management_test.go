package api

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/gatehouse-oss/gatehouse/store"
	"github.com/gatehouse-oss/gatehouse/store/memstore"
)

const (
	mgmtAdminKey    = "operator"
	mgmtAdminSecret = "operator-secret-operator-secret-0"
)

// mgmt drives the real router of one engine over a real in-memory store.
type mgmt struct {
	t *testing.T
	e *echo.Echo
}

func newMgmt(t *testing.T, st store.Store) *mgmt {
	t.Helper()
	if st == nil {
		st = memstore.New()
	}
	e := New(Config{
		Engine:      testEngine(t, st),
		AdminKey:    mgmtAdminKey,
		AdminSecret: mgmtAdminSecret,
	})
	return &mgmt{t: t, e: e}
}

// call sends a request with Basic credentials (none when key is empty) and a
// raw body, and returns the recorder.
func (m *mgmt) call(method, path, key, secret, contentType, body string) *httptest.ResponseRecorder {
	m.t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if key != "" || secret != "" {
		req.SetBasicAuth(key, secret)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	m.e.ServeHTTP(rec, req)
	checkContract(m.t, req, []byte(body), rec)
	return rec
}

func (m *mgmt) json(method, path, key, secret, body string) *httptest.ResponseRecorder {
	m.t.Helper()
	return m.call(method, path, key, secret, "application/json", body)
}

// expect checks the status and decodes the body into out (when non-nil).
func (m *mgmt) expect(rec *httptest.ResponseRecorder, status int, out any) {
	m.t.Helper()
	if rec.Code != status {
		m.t.Fatalf("status = %d, want %d; body %s", rec.Code, status, rec.Body)
	}
	if out != nil {
		if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
			m.t.Fatalf("decode %s: %v", rec.Body, err)
		}
	}
}

// newService creates a service as the operator and returns its credentials.
func (m *mgmt) newService() (key, secret string) {
	m.t.Helper()
	var out serviceJSON
	m.expect(m.json(http.MethodPost, "/api/service/create", mgmtAdminKey, mgmtAdminSecret,
		`{"serviceName":"Shop","issuer":"https://login.shop.example"}`), http.StatusCreated, &out)
	return fmt.Sprint(out.APIKey), out.APISecret
}

func (m *mgmt) newClient(key, secret, body string) clientJSON {
	m.t.Helper()
	var out clientJSON
	m.expect(m.json(http.MethodPost, "/api/client/create", key, secret, body), http.StatusCreated, &out)
	return out
}

const webClientBody = `{"clientName":"Web","clientType":"CONFIDENTIAL","clientIdAlias":"web","redirectUris":["https://shop.example/cb"]}`

// TestManagementWalk is the README's walk: a service, then a client of it,
// read, listed, updated, its secret refreshed, deleted.
func TestManagementWalk(t *testing.T) {
	m := newMgmt(t, nil)
	key, secret := m.newService()
	if len(secret) != 43 {
		t.Fatalf("apiSecret %q: want 256 bits base64url", secret)
	}
	var svc serviceJSON
	m.expect(m.call(http.MethodGet, "/api/service/get/"+key, mgmtAdminKey, mgmtAdminSecret, "", ""), http.StatusOK, &svc)
	if svc.APISecret != "" || svc.ServiceName != "Shop" || *svc.PKCES256Required != true {
		t.Errorf("service read back = %+v", svc)
	}

	created := m.newClient(key, secret, webClientBody)
	if created.ClientSecret == "" || created.ClientID <= 0 || created.ClientID >= 1<<53 {
		t.Fatalf("created client = %+v", created)
	}
	id := fmt.Sprint(created.ClientID)

	for _, ident := range []string{id, "web"} {
		rec := m.call(http.MethodGet, "/api/client/get/"+ident, key, secret, "", "")
		var got clientJSON
		m.expect(rec, http.StatusOK, &got)
		if got.ClientSecret != "" || strings.Contains(rec.Body.String(), created.ClientSecret) || strings.Contains(rec.Body.String(), "ecret\":\"") {
			t.Errorf("a read must not show the secret: %s", rec.Body)
		}
		if rec.Header().Get("Cache-Control") != "no-store" {
			t.Error("management answers must not be cached")
		}
		if got.ClientName != "Web" || got.TokenAuthMethod != "CLIENT_SECRET_BASIC" || got.GrantTypes[0] != "AUTHORIZATION_CODE" {
			t.Errorf("client read back = %+v", got)
		}
	}

	spa := m.newClient(key, secret, `{"clientName":"SPA","clientType":"PUBLIC","redirectUris":["https://shop.example/"]}`)
	var page1, page2 clientListJSON
	m.expect(m.call(http.MethodGet, "/api/client/get/list?start=0&end=1", key, secret, "", ""), http.StatusOK, &page1)
	m.expect(m.call(http.MethodGet, "/api/client/get/list?start=1&end=2", key, secret, "", ""), http.StatusOK, &page2)
	if page1.TotalCount != 2 || len(page1.Clients) != 1 || len(page2.Clients) != 1 {
		t.Fatalf("pages = %+v, %+v", page1, page2)
	}
	listed := []int64{page1.Clients[0].ClientID, page2.Clients[0].ClientID}
	if !slices.Contains(listed, created.ClientID) || !slices.Contains(listed, spa.ClientID) {
		t.Errorf("the two pages list %v, want both clients", listed)
	}

	var updated clientJSON
	m.expect(m.json(http.MethodPost, "/api/client/update/"+id, key, secret,
		`{"clientId":`+id+`,"clientName":"Web 2","clientType":"CONFIDENTIAL","redirectUris":["https://shop.example/cb2"],"createdAt":1}`),
		http.StatusOK, &updated)
	if updated.ClientName != "Web 2" || updated.RedirectURIs[0] != "https://shop.example/cb2" || updated.ClientSecret != "" || updated.CreatedAt != created.CreatedAt {
		t.Errorf("updated = %+v", updated)
	}

	var refreshed secretRefreshJSON
	m.expect(m.call(http.MethodGet, "/api/client/secret/refresh/"+id, key, secret, "", ""), http.StatusOK, &refreshed)
	if refreshed.NewClientSecret == "" || refreshed.NewClientSecret == created.ClientSecret || !strings.HasPrefix(refreshed.ResultMessage, "[G002001]") {
		t.Errorf("refresh = %+v", refreshed)
	}

	m.expect(m.call(http.MethodDelete, "/api/client/delete/"+id, key, secret, "", ""), http.StatusNoContent, nil)
	m.expect(m.call(http.MethodGet, "/api/client/get/"+id, key, secret, "", ""), http.StatusNotFound, nil)

	m.expect(m.call(http.MethodDelete, "/api/service/delete/"+key, mgmtAdminKey, mgmtAdminSecret, "", ""), http.StatusNoContent, nil)
	// The deleted service's credentials stop working at once.
	m.expect(m.call(http.MethodGet, "/api/client/get/list", key, secret, "", ""), http.StatusUnauthorized, nil)
}

// TestOtherServiceSees404 is SECURITY M01/M10: service B asking for A's
// client gets the 404 of an unknown client, byte for byte apart from the id.
func TestOtherServiceSees404(t *testing.T) {
	m := newMgmt(t, nil)
	keyA, secretA := m.newService()
	keyB, secretB := m.newService()
	c := m.newClient(keyA, secretA, webClientBody)
	id := fmt.Sprint(c.ClientID)
	unknown := fmt.Sprint(c.ClientID + 1)

	for _, tc := range []struct{ method, path, body string }{
		{http.MethodGet, "/api/client/get/%s", ""},
		{http.MethodGet, "/api/client/secret/refresh/%s", ""},
		{http.MethodDelete, "/api/client/delete/%s", ""},
		{http.MethodPost, "/api/client/update/%s", `{"clientName":"x","clientType":"PUBLIC","redirectUris":["https://b.example/cb"]}`},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			theirs := m.json(tc.method, fmt.Sprintf(tc.path, id), keyB, secretB, tc.body)
			missing := m.json(tc.method, fmt.Sprintf(tc.path, unknown), keyB, secretB, tc.body)
			if theirs.Code != http.StatusNotFound || missing.Code != http.StatusNotFound {
				t.Fatalf("status = %d (other tenant), %d (unknown); want 404 for both", theirs.Code, missing.Code)
			}
			if strings.ReplaceAll(theirs.Body.String(), id, "X") != strings.ReplaceAll(missing.Body.String(), unknown, "X") {
				t.Errorf("bodies differ:\n%s\n%s", theirs.Body, missing.Body)
			}
		})
	}
	// The alias does not leak either, and A's client is untouched.
	m.expect(m.call(http.MethodGet, "/api/client/get/web", keyB, secretB, "", ""), http.StatusNotFound, nil)
	var got clientJSON
	m.expect(m.call(http.MethodGet, "/api/client/get/"+id, keyA, secretA, "", ""), http.StatusOK, &got)
	if got.ClientName != "Web" {
		t.Errorf("A's client changed: %+v", got)
	}
	var list clientListJSON
	m.expect(m.call(http.MethodGet, "/api/client/get/list", keyB, secretB, "", ""), http.StatusOK, &list)
	if list.TotalCount != 0 {
		t.Errorf("B lists %d clients, want 0", list.TotalCount)
	}
}

func TestCredentialsAre401WithChallenge(t *testing.T) {
	m := newMgmt(t, nil)
	key, secret := m.newService()
	cases := []struct{ name, method, path, key, secret string }{
		{"no credentials", http.MethodGet, "/api/client/get/list", "", ""},
		{"wrong secret", http.MethodGet, "/api/client/get/list", key, secret + "x"},
		{"unknown key", http.MethodGet, "/api/client/get/list", "123", secret},
		{"admin credentials on the client API", http.MethodGet, "/api/client/get/list", mgmtAdminKey, mgmtAdminSecret},
		{"service credentials on the admin API", http.MethodGet, "/api/service/get/list", key, secret},
		{"wrong admin secret", http.MethodPost, "/api/service/create", mgmtAdminKey, "nope"},
		{"no credentials on the admin API", http.MethodGet, "/api/service/get/" + key, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := m.json(tc.method, tc.path, tc.key, tc.secret, `{}`)
			if rec.Code != http.StatusUnauthorized {
				t.Fatalf("status = %d, want 401", rec.Code)
			}
			if !strings.HasPrefix(rec.Header().Get("WWW-Authenticate"), "Basic realm=") {
				t.Errorf("WWW-Authenticate = %q", rec.Header().Get("WWW-Authenticate"))
			}
			var body errorBody
			m.expect(rec, http.StatusUnauthorized, &body)
			if body.ResultCode != "G000203" {
				t.Errorf("resultCode = %q", body.ResultCode)
			}
		})
	}
	// Scheme names are case-insensitive (RFC 9110 §11.1).
	req := httptest.NewRequest(http.MethodGet, "/api/client/get/list", nil)
	req.SetBasicAuth(key, secret)
	req.Header.Set("Authorization", strings.Replace(req.Header.Get("Authorization"), "Basic", "bAsIc", 1))
	rec := httptest.NewRecorder()
	m.e.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Errorf("lower-case scheme: status %d", rec.Code)
	}
}

func TestBadBodiesAre400NamingFields(t *testing.T) {
	m := newMgmt(t, nil)
	key, secret := m.newService()
	cases := []struct {
		name, contentType, body string
		status                  int
		fields                  []string
	}{
		{"D01 operator where a string belongs", "application/json", `{"clientName":{"$ne":""},"clientType":"PUBLIC"}`, 400, []string{"clientName"}},
		{"D01 operator in a list", "application/json", `{"clientName":"x","clientType":"PUBLIC","redirectUris":[{"$gt":""}]}`, 400, []string{"redirectUris"}},
		{"unknown field", "application/json", `{"clientName":"x","clientType":"PUBLIC","serviceId":1}`, 400, []string{"serviceId"}},
		{"M03 secret cannot be set", "application/json", `{"clientName":"x","clientType":"CONFIDENTIAL","clientSecret":"mine","redirectUris":["https://a.example/cb"]}`, 400, []string{"clientSecret"}},
		{"every bad field at once", "application/json", `{"clientType":"BOGUS","grantTypes":["MAGIC"],"redirectUris":["https://a.example/cb#f"],"contacts":["not-an-email"]}`, 400,
			[]string{"clientName", "contacts[0]", "clientType", "grantTypes[0]", "redirectUris[0]"}},
		{"not JSON", "application/json", `clientName=x`, 400, nil},
		{"two objects", "application/json", `{"clientName":"x","clientType":"PUBLIC"}{}`, 400, nil},
		{"array", "application/json", `[]`, 400, nil},
		{"empty", "application/json", ``, 400, nil},
		{"form body", "application/x-www-form-urlencoded", `clientName=x`, 400, nil},
		{"D08 too large", "application/json", `{"description":"` + strings.Repeat("x", 1<<20) + `"}`, 413, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := m.call(http.MethodPost, "/api/client/create", key, secret, tc.contentType, tc.body)
			var body errorBody
			m.expect(rec, tc.status, &body)
			var fields []string
			for _, f := range body.FieldErrors {
				fields = append(fields, f.Field)
				if !strings.Contains(body.ResultMessage, f.Field+": ") {
					t.Errorf("resultMessage %q does not name %s", body.ResultMessage, f.Field)
				}
			}
			if fmt.Sprint(fields) != fmt.Sprint(tc.fields) {
				t.Errorf("fields = %v, want %v (%s)", fields, tc.fields, body.ResultMessage)
			}
		})
	}
	// Nothing was created by any of them.
	var list clientListJSON
	m.expect(m.call(http.MethodGet, "/api/client/get/list", key, secret, "", ""), http.StatusOK, &list)
	if list.TotalCount != 0 {
		t.Errorf("%d clients exist after bad requests", list.TotalCount)
	}
}

func TestPaging(t *testing.T) {
	m := newMgmt(t, nil)
	for range 3 {
		m.newService()
	}
	for q, status := range map[string]int{
		"":                          200,
		"?start=1&end=3":            200,
		"?start=-1":                 400,
		"?start=x":                  400,
		"?start=5&end=2":            400,
		"?start=0&end=1001":         400,
		"?start=0&end=1000":         200,
		"?end=99999999999999999999": 400,
	} {
		rec := m.call(http.MethodGet, "/api/service/get/list"+q, mgmtAdminKey, mgmtAdminSecret, "", "")
		if rec.Code != status {
			t.Errorf("list%s: status %d, want %d (%s)", q, rec.Code, status, rec.Body)
		}
	}
	var list serviceListJSON
	m.expect(m.call(http.MethodGet, "/api/service/get/list?start=1&end=3", mgmtAdminKey, mgmtAdminSecret, "", ""), http.StatusOK, &list)
	if list.TotalCount != 3 || len(list.Services) != 2 || list.Start != 1 || list.End != 3 || list.Services[0].APISecret != "" {
		t.Errorf("list = %+v", list)
	}
}

// TestMalformedIDsAreNotFound: a path id that is not a positive integer names
// no resource (unknown paths and methods: TestUndocumentedMethods).
func TestMalformedIDsAreNotFound(t *testing.T) {
	m := newMgmt(t, nil)
	key, secret := m.newService()
	for _, tc := range []struct{ method, path, key, secret string }{
		{http.MethodGet, "/api/service/get/abc", mgmtAdminKey, mgmtAdminSecret},
		{http.MethodDelete, "/api/service/delete/-1", mgmtAdminKey, mgmtAdminSecret},
		{http.MethodPost, "/api/client/update/0", key, secret},
	} {
		if rec := m.json(tc.method, tc.path, tc.key, tc.secret, `{}`); rec.Code != http.StatusNotFound {
			t.Errorf("%s %s: %d, want 404", tc.method, tc.path, rec.Code)
		}
	}
}

// outageStore is a real memstore whose every call fails as an unreachable
// database does.
type outageStore struct{ *memstore.Store }

func (outageStore) Ping(context.Context) error { return store.ErrUnavailable }
func (outageStore) GetService(context.Context, int64) (store.Service, error) {
	return store.Service{}, fmt.Errorf("outage: %w", store.ErrUnavailable)
}
func (outageStore) ListServices(context.Context, store.Page) ([]store.Service, int, error) {
	return nil, 0, fmt.Errorf("outage: %w", store.ErrUnavailable)
}

// TestStoreOutageIs503 checks that a database outage is the engine's problem
// (503 with Retry-After), never the caller's (4xx), and never leaks the cause.
func TestStoreOutageIs503(t *testing.T) {
	m := newMgmt(t, outageStore{memstore.New()})
	for _, tc := range []struct{ path, key, secret string }{
		{"/api/client/get/list", "123", "secret"}, // authentication needs the store
		{"/api/service/get/list", mgmtAdminKey, mgmtAdminSecret},
		{"/api/service/get/123", mgmtAdminKey, mgmtAdminSecret},
	} {
		rec := m.call(http.MethodGet, tc.path, tc.key, tc.secret, "", "")
		var body errorBody
		m.expect(rec, http.StatusServiceUnavailable, &body)
		if body.ResultCode != "G000102" || strings.Contains(body.ResultMessage, "outage") || rec.Header().Get("Retry-After") == "" {
			t.Errorf("%s: %+v, Retry-After %q", tc.path, body, rec.Header().Get("Retry-After"))
		}
	}
	rec := m.call(http.MethodGet, "/health/ready", "", "", "", "")
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("ready during an outage: %d", rec.Code)
	}
	if rec := m.call(http.MethodGet, "/health/live", "", "", "", ""); rec.Code != http.StatusOK {
		t.Errorf("live during an outage: %d", rec.Code)
	}
}

func TestRequestIDs(t *testing.T) {
	m := newMgmt(t, nil)
	req := httptest.NewRequest(http.MethodGet, "/health/live", nil)
	req.Header.Set("X-Request-Id", "frontend-123")
	rec := httptest.NewRecorder()
	m.e.ServeHTTP(rec, req)
	if got := rec.Header().Get("X-Request-Id"); got != "frontend-123" {
		t.Errorf("a well-formed incoming id is kept: got %q", got)
	}
	req.Header.Set("X-Request-Id", "evil\"id with spaces")
	rec = httptest.NewRecorder()
	m.e.ServeHTTP(rec, req)
	if got := rec.Header().Get("X-Request-Id"); got == "" || strings.Contains(got, " ") {
		t.Errorf("a malformed incoming id is replaced: got %q", got)
	}
	body, _ := io.ReadAll(rec.Body)
	if string(body) != "{\"status\":\"ok\"}\n" {
		t.Errorf("live = %s", body)
	}
}

func TestPanicIsAnOpaque500(t *testing.T) {
	var logs strings.Builder
	e := New(Config{Engine: testEngine(t, memstore.New()), Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	e.GET("/test/panic", func(echo.Context) error { panic("secret detail") })
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/test/panic", nil))
	if rec.Code != http.StatusInternalServerError || strings.Contains(rec.Body.String(), "secret detail") {
		t.Fatalf("panic answered %d %s", rec.Code, rec.Body)
	}
	if !strings.Contains(logs.String(), "secret detail") || !strings.Contains(logs.String(), rec.Header().Get("X-Request-Id")) {
		t.Errorf("the panic must be logged under the request id: %s", logs.String())
	}
}

// TestLogsCarryNoSecrets runs the management walk with debug logging and
// checks that no credential or generated secret reaches the log.
func TestLogsCarryNoSecrets(t *testing.T) {
	var logs strings.Builder
	e := New(Config{
		Engine:      testEngine(t, memstore.New()),
		AdminKey:    mgmtAdminKey,
		AdminSecret: mgmtAdminSecret,
		Logger:      slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	m := &mgmt{t: t, e: e}
	key, secret := m.newService()
	c := m.newClient(key, secret, webClientBody)
	var refreshed secretRefreshJSON
	m.expect(m.call(http.MethodGet, fmt.Sprintf("/api/client/secret/refresh/%d", c.ClientID), key, secret, "", ""), http.StatusOK, &refreshed)
	m.call(http.MethodGet, "/api/client/get/list", key, secret+"wrong", "", "")
	if !strings.Contains(logs.String(), `"route":"/api/client/create"`) {
		t.Fatalf("expected request logs, got %s", logs.String())
	}
	for _, s := range []string{mgmtAdminSecret, secret, c.ClientSecret, refreshed.NewClientSecret} {
		if strings.Contains(logs.String(), s) {
			t.Errorf("the log contains a secret: %s", s)
		}
	}
}
