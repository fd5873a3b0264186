package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/labstack/echo/v4"

	"github.com/gatehouse-oss/gatehouse/store"
	"github.com/gatehouse-oss/gatehouse/store/memstore"
)

// contractSpecPath is the contract, relative to this package's directory.
const contractSpecPath = "../openapi.yaml"

// Operator credentials of the routers built by these tests.
var (
	contractAdminKey    = "admin"
	contractAdminSecret = strings.Repeat("s", 32)
)

// contractSpec is openapi.yaml loaded, validated and routed.
type contractSpec struct {
	doc    *openapi3.T
	router routers.Router
}

// loadContract loads the contract once per test binary; the answer is
// read-only, so tests may share it in parallel.
var loadContract = sync.OnceValues(func() (*contractSpec, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile(contractSpecPath)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", contractSpecPath, err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		return nil, fmt.Errorf("validate %s: %w", contractSpecPath, err)
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("route %s: %w", contractSpecPath, err)
	}
	return &contractSpec{doc: doc, router: router}, nil
})

// mustContract returns the loaded contract or stops the test.
func mustContract(t *testing.T) *contractSpec {
	t.Helper()
	c, err := loadContract()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// contractFilterOptions make the validator strict where it is lenient by
// default: an undocumented status is an error. Credentials are the router's
// business, not the contract's. Schema errors say what is wrong and where,
// without kin-openapi's dump of the whole schema and value.
var contractFilterOptions = func() *openapi3filter.Options {
	o := &openapi3filter.Options{
		IncludeResponseStatus: true,
		AuthenticationFunc:    func(context.Context, *openapi3filter.AuthenticationInput) error { return nil },
	}
	o.WithCustomSchemaErrorFunc(func(err *openapi3.SchemaError) string {
		return "at /" + strings.Join(err.JSONPointer(), "/") + ": " + err.Reason
	})
	return o
}()

// checkContract fails t unless the answer rec to req is one that openapi.yaml
// documents: the operation exists, the status is listed, every declared
// header is present and well-formed, and the body matches its schema. When
// the server accepted the call (2xx), the request — reqBody is its body,
// which the handler has consumed — must match the spec too: a spec that
// refuses what the engine accepts is as wrong as one that omits an answer.
// Every test that drives the router may call it.
func checkContract(t *testing.T, req *http.Request, reqBody []byte, rec *httptest.ResponseRecorder) {
	t.Helper()
	if err := contractError(req, reqBody, rec); err != nil {
		t.Errorf("%s %s → %d breaks openapi.yaml: %v", req.Method, req.URL.RequestURI(), rec.Code, err)
	}
}

// contractError is the check of checkContract, returned rather than reported.
func contractError(req *http.Request, reqBody []byte, rec *httptest.ResponseRecorder) error {
	c, err := loadContract()
	if err != nil {
		return err
	}
	route, params, err := c.router.FindRoute(req)
	if err != nil {
		return fmt.Errorf("operation not in the spec: %w", err)
	}
	ctx := context.Background()
	in := &openapi3filter.RequestValidationInput{
		Request:    contractRequestWithBody(req, reqBody),
		PathParams: params,
		Route:      route,
		Options:    contractFilterOptions,
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 rec.Code,
		Header:                 rec.Header(),
		Options:                contractFilterOptions,
	}
	out.SetBodyBytes(rec.Body.Bytes())
	var errs []error
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		errs = append(errs, fmt.Errorf("response: %w", err))
	}
	if err := contractEmptyBodyError(route, rec); err != nil {
		errs = append(errs, err)
	}
	if rec.Code >= 200 && rec.Code < 300 {
		if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
			errs = append(errs, fmt.Errorf("accepted request: %w", err))
		}
	}
	return errors.Join(errs...)
}

// contractRequestWithBody returns a copy of req whose body reads body again.
func contractRequestWithBody(req *http.Request, body []byte) *http.Request {
	r := req.Clone(context.Background())
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	return r
}

// contractEmptyBodyError reports a body in an answer the spec declares without
// content (a 204): kin-openapi skips those.
func contractEmptyBodyError(route *routers.Route, rec *httptest.ResponseRecorder) error {
	resp := route.Operation.Responses.Status(rec.Code)
	if resp == nil || resp.Value == nil || len(resp.Value.Content) > 0 || rec.Body.Len() == 0 {
		return nil
	}
	return fmt.Errorf("response: status %d is documented without a body, got %q", rec.Code, rec.Body.String())
}

// echoPathParam is a path parameter in echo's syntax.
var echoPathParam = regexp.MustCompile(`:([A-Za-z0-9_]+)`)

func TestOpenAPIRoutesMatchRouter(t *testing.T) {
	c := mustContract(t)
	e := New(Config{Engine: testEngine(t, memstore.New())})

	served := map[string]bool{}
	for _, r := range e.Routes() {
		if r.Method == echo.RouteNotFound {
			continue // the catch-all that makes echo run a group's middleware on 404s
		}
		served[r.Method+" "+echoPathParam.ReplaceAllString(r.Path, "{$1}")] = true
	}
	documented := map[string]bool{}
	for path, item := range c.doc.Paths.Map() {
		for method := range item.Operations() {
			documented[method+" "+path] = true
		}
	}

	var missing, extra []string
	for op := range served {
		if !documented[op] {
			missing = append(missing, op)
		}
	}
	for op := range documented {
		if !served[op] {
			extra = append(extra, op)
		}
	}
	slices.Sort(missing)
	slices.Sort(extra)
	for _, op := range missing {
		t.Errorf("router serves %s, openapi.yaml does not document it", op)
	}
	for _, op := range extra {
		t.Errorf("openapi.yaml documents %s, the router does not serve it", op)
	}
	if len(served) == 0 {
		t.Error("the router serves no routes")
	}
}

func TestOpenAPIServed(t *testing.T) {
	raw, err := os.ReadFile(contractSpecPath)
	if err != nil {
		t.Fatal(err)
	}
	h := New(Config{Engine: testEngine(t, memstore.New()), OpenAPI: raw})
	req := httptest.NewRequest(http.MethodGet, "/openapi.yaml", nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)

	if rec.Code != http.StatusOK {
		t.Fatalf("status %d, want 200", rec.Code)
	}
	if !bytes.Equal(rec.Body.Bytes(), raw) {
		t.Errorf("GET /openapi.yaml served %d bytes that differ from %s (%d bytes)", rec.Body.Len(), contractSpecPath, len(raw))
	}
	checkContract(t, req, nil, rec)
}

func TestContractHelperCatchesMismatch(t *testing.T) {
	mustContract(t)
	okHeaders := func() http.Header {
		h := http.Header{}
		h.Set("Content-Type", "application/json")
		h.Set("X-Request-Id", "test-1")
		h.Set("Cache-Control", "no-store")
		h.Set("Pragma", "no-cache")
		return h
	}
	client := `{"clientId":1,"clientIdAliasEnabled":false,"clientName":"x","clientType":"PUBLIC","applicationType":"WEB",` +
		`"redirectUris":[],"grantTypes":[],"responseTypes":[],"tokenAuthMethod":"NONE","idTokenSignAlg":"RS256",` +
		`"pkceRequired":false,"pkceS256Required":false,"extension":{"requestableScopesEnabled":false},"createdAt":1,"modifiedAt":1}`
	svc := `{"apiKey":1,"serviceName":"x","issuer":"https://x.example","supportedScopes":[],"supportedGrantTypes":[],` +
		`"supportedResponseTypes":[],"supportedResponseModes":[],"supportedTokenAuthMethods":[],"supportedClaims":[],"customClaimsAllowed":false,"accessTokenDuration":1,"refreshTokenDuration":1,` +
		`"idTokenDuration":1,"authorizationCodeDuration":1,"ticketDuration":1,"pkceRequired":false,"pkceS256Required":true,` +
		`"refreshTokenKept":false,"scopeRequired":false,"createdAt":1,"modifiedAt":1}`
	secret := strings.Repeat("A", 43)
	svcRequest := `{"serviceName":"x","issuer":"https://x.example"}`
	tests := []struct {
		name    string
		method  string
		path    string
		status  int
		header  func(http.Header)
		reqBody string // a JSON request body
		body    string
		wantErr bool
	}{
		{name: "conforming client", method: http.MethodGet, path: "/api/client/get/1", status: 200, body: client},
		{name: "required field missing", method: http.MethodGet, path: "/api/client/get/1", status: 200,
			body: strings.Replace(client, `"clientName":"x",`, "", 1), wantErr: true},
		{name: "undocumented field", method: http.MethodGet, path: "/api/client/get/1", status: 200,
			body: strings.Replace(client, `"clientId":1,`, `"clientId":1,"clientSecretHash":"x",`, 1), wantErr: true},
		{name: "enum by wire string", method: http.MethodGet, path: "/api/client/get/1", status: 200,
			body: strings.Replace(client, `"PUBLIC"`, `"public"`, 1), wantErr: true},
		{name: "id above 2^53", method: http.MethodGet, path: "/api/client/get/1", status: 200,
			body: strings.Replace(client, `"clientId":1,`, `"clientId":9007199254740992,`, 1), wantErr: true},
		{name: "undocumented status", method: http.MethodGet, path: "/api/client/get/1", status: http.StatusTeapot,
			body: `{"resultCode":"G000101","resultMessage":"x"}`, wantErr: true},
		{name: "error body of a success", method: http.MethodGet, path: "/api/client/get/1", status: 200,
			body: `{"resultCode":"G000101","resultMessage":"x"}`, wantErr: true},
		{name: "missing no-store", method: http.MethodGet, path: "/api/client/get/1", status: 200, body: client,
			header: func(h http.Header) { h.Del("Cache-Control") }, wantErr: true},
		{name: "missing request id", method: http.MethodGet, path: "/api/client/get/1", status: 200, body: client,
			header: func(h http.Header) { h.Del("X-Request-Id") }, wantErr: true},
		{name: "401 without challenge", method: http.MethodGet, path: "/api/client/get/1", status: 401,
			body: `{"resultCode":"G000203","resultMessage":"x"}`, wantErr: true},
		{name: "body on a 204", method: http.MethodDelete, path: "/api/client/delete/1", status: 204,
			body: `{}`, wantErr: true},
		{name: "undocumented operation", method: http.MethodPut, path: "/api/client/get/1", status: 200,
			body: client, wantErr: true},
		{name: "unknown path", method: http.MethodGet, path: "/api/nothing", status: 404,
			body: `{"resultCode":"G000205","resultMessage":"x"}`, wantErr: true},
		{name: "cacheable answer", method: http.MethodGet, path: "/api/client/get/1", status: 200, body: client,
			header: func(h http.Header) { h.Set("Cache-Control", "no-cache") }, wantErr: true},
		{name: "other challenge", method: http.MethodGet, path: "/api/client/get/1", status: 401,
			header: func(h http.Header) { h.Set("WWW-Authenticate", `Bearer realm="gatehouse"`) },
			body:   `{"resultCode":"G000203","resultMessage":"x"}`, wantErr: true},
		{name: "503 without Retry-After", method: http.MethodGet, path: "/api/client/get/1", status: 503,
			body: `{"resultCode":"G000102","resultMessage":"x"}`, wantErr: true},
		{name: "accepted conforming request", method: http.MethodPost, path: "/api/client/create", status: 201,
			reqBody: `{"clientName":"x","clientType":"PUBLIC","redirectUris":["https://a.example/cb"]}`, body: client},
		{name: "accepted request with an unknown field", method: http.MethodPost, path: "/api/client/create", status: 201,
			reqBody: `{"clientName":"x","clientType":"PUBLIC","foo":1}`, body: client, wantErr: true},
		{name: "accepted request with a wire-string enum", method: http.MethodPost, path: "/api/client/create", status: 201,
			reqBody: `{"clientName":"x","clientType":"public"}`, body: client, wantErr: true},
		{name: "accepted request setting a secret", method: http.MethodPost, path: "/api/client/create", status: 201,
			reqBody: `{"clientName":"x","clientType":"PUBLIC","clientSecret":"s"}`, body: client, wantErr: true},
		{name: "created service with its secret", method: http.MethodPost, path: "/api/service/create", status: 201,
			reqBody: svcRequest, body: strings.Replace(svc, `"apiKey":1,`, `"apiKey":1,"apiSecret":"`+secret+`",`, 1)},
		{name: "created service without its secret", method: http.MethodPost, path: "/api/service/create", status: 201,
			reqBody: svcRequest, body: svc, wantErr: true},
		{name: "created service with a short secret", method: http.MethodPost, path: "/api/service/create", status: 201,
			reqBody: svcRequest, body: strings.Replace(svc, `"apiKey":1,`, `"apiKey":1,"apiSecret":"short",`, 1), wantErr: true},
		{name: "refused request is not judged", method: http.MethodPost, path: "/api/client/create", status: 400,
			reqBody: `{"clientName":"x","clientType":"public","foo":1}`,
			body:    `{"resultCode":"G000202","resultMessage":"x","fieldErrors":[{"field":"foo","message":"unknown field"}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, tt.path, nil)
			if tt.reqBody != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			rec := httptest.NewRecorder()
			h := okHeaders()
			if tt.header != nil {
				tt.header(h)
			}
			for k, v := range h {
				rec.Header()[k] = v
			}
			rec.WriteHeader(tt.status)
			rec.Body.WriteString(tt.body)

			err := contractError(req, []byte(tt.reqBody), rec)
			switch {
			case tt.wantErr && err == nil:
				t.Error("contractError accepted an answer that breaks the spec")
			case !tt.wantErr && err != nil:
				t.Errorf("contractError refused a conforming answer: %v", err)
			case err != nil:
				t.Logf("caught: %v", err)
			}
		})
	}
}

// contractFailingStore is a memstore whose service reads fail with err, to provoke
// the 500 and 503 answers.
type contractFailingStore struct {
	store.Store
	err error
}

func (s contractFailingStore) Ping(context.Context) error { return s.err }

func (s contractFailingStore) GetService(context.Context, int64) (store.Service, error) {
	return store.Service{}, s.err
}

func (s contractFailingStore) ListServices(context.Context, store.Page) ([]store.Service, int, error) {
	return nil, 0, s.err
}

// contractCall is one request of TestContract and TestContractStoreFailures.
type contractCall struct {
	name   string
	method string
	path   string
	auth   [2]string // HTTP Basic user and password; none when empty
	body   any       // marshalled as JSON unless a string or []byte
	header map[string]string
	want   int
	// then inspects the decoded JSON body of a successful answer.
	then func(t *testing.T, body map[string]any)
}

// do runs c against h, checks its status and the contract, and returns the
// decoded body (nil when there is none) and whether the status was c.want.
func (c contractCall) do(t *testing.T, h http.Handler) (map[string]any, bool) {
	t.Helper()
	var raw []byte
	switch b := c.body.(type) {
	case nil:
	case string:
		raw = []byte(b)
	case []byte:
		raw = b
	default:
		var err error
		if raw, err = json.Marshal(b); err != nil {
			t.Fatal(err)
		}
	}
	req := httptest.NewRequest(c.method, c.path, bytes.NewReader(raw))
	if raw != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.auth[0] != "" {
		req.SetBasicAuth(c.auth[0], c.auth[1])
	}
	for k, v := range c.header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)

	statusOK := rec.Code == c.want
	if !statusOK {
		t.Errorf("status %d, want %d; body %s", rec.Code, c.want, rec.Body)
	}
	checkContract(t, req, raw, rec)
	if rec.Body.Len() == 0 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		return nil, statusOK
	}
	var body map[string]any
	dec := json.NewDecoder(rec.Body)
	dec.UseNumber()
	if err := dec.Decode(&body); err != nil {
		t.Fatalf("decode body: %v", err)
	}
	return body, statusOK
}

// TestContract drives every operation through the real router on a memstore
// and holds each answer against openapi.yaml.
func TestContract(t *testing.T) {
	h := New(Config{
		Engine:      testEngine(t, memstore.New()),
		AdminKey:    contractAdminKey,
		AdminSecret: contractAdminSecret,
	})
	admin := [2]string{contractAdminKey, contractAdminSecret}

	// Filled as the calls run.
	var (
		svc       [2]string // the created service's apiKey and apiSecret
		apiKey    string
		clientID  string
		alias     = "contract-web"
		publicID  string
		otherSvc  [2]string
		readSvc   map[string]any // a service as GET returned it
		readCl    map[string]any // a client as GET returned it
		clientURL = func(format string) string { return fmt.Sprintf(format, clientID) }
	)
	idOf := func(v any) string {
		n, ok := v.(json.Number)
		if !ok {
			t.Fatalf("identifier %v is not a number", v)
		}
		return n.String()
	}
	serviceBody := map[string]any{
		"serviceName": "Contract",
		"issuer":      "https://contract.example",
		"description": "made by TestContract",
		"supportedScopes": []map[string]any{
			{"name": "openid", "description": "Sign you in", "defaultEntry": true},
			{"name": "profile"},
		},
		"accessTokenDuration": 600,
	}
	clientBody := map[string]any{
		"clientName":    "Contract Web",
		"clientIdAlias": alias,
		"clientType":    "CONFIDENTIAL",
		"contacts":      []string{"ops@contract.example"},
		"logoUri":       "https://contract.example/logo.png",
		"redirectUris":  []string{"https://contract.example/cb"},
		"grantTypes":    []string{"AUTHORIZATION_CODE", "REFRESH_TOKEN"},
		"extension":     map[string]any{"requestableScopesEnabled": true, "requestableScopes": []string{"openid"}, "accessTokenDuration": 300},
	}

	calls := []func() contractCall{
		func() contractCall { return contractCall{name: "live", method: "GET", path: "/health/live", want: 200} },
		func() contractCall {
			return contractCall{name: "ready", method: "GET", path: "/health/ready", want: 200}
		},
		func() contractCall {
			return contractCall{name: "create service", method: "POST", path: "/api/service/create", auth: admin, body: serviceBody, want: 201,
				header: map[string]string{"X-Request-Id": "contract-create-service"},
				then: func(t *testing.T, b map[string]any) {
					apiKey = idOf(b["apiKey"])
					svc = [2]string{apiKey, b["apiSecret"].(string)}
				}}
		},
		func() contractCall {
			return contractCall{name: "create second service", method: "POST", path: "/api/service/create", auth: admin,
				body: map[string]any{"serviceName": "Other", "issuer": "http://127.0.0.1:9999"}, want: 201,
				then: func(t *testing.T, b map[string]any) { otherSvc = [2]string{idOf(b["apiKey"]), b["apiSecret"].(string)} }}
		},
		func() contractCall {
			return contractCall{name: "get service", method: "GET", path: "/api/service/get/" + apiKey, auth: admin, want: 200,
				then: func(t *testing.T, b map[string]any) {
					if _, ok := b["apiSecret"]; ok {
						t.Error("apiSecret shown again")
					}
					readSvc = b
				}}
		},
		func() contractCall {
			return contractCall{name: "update service with what get returned", method: "POST", path: "/api/service/update/" + apiKey,
				auth: admin, body: readSvc, want: 200}
		},
		func() contractCall {
			return contractCall{name: "list services", method: "GET", path: "/api/service/get/list?start=0&end=1", auth: admin, want: 200,
				then: func(t *testing.T, b map[string]any) {
					if n := len(b["services"].([]any)); n != 1 {
						t.Errorf("%d services on a page of 1", n)
					}
				}}
		},
		func() contractCall {
			return contractCall{name: "list services, defaults", method: "GET", path: "/api/service/get/list", auth: admin, want: 200}
		},
		func() contractCall {
			return contractCall{name: "update service with apiKey and times", method: "POST", path: "/api/service/update/" + apiKey, auth: admin, want: 200,
				body: `{"apiKey":` + apiKey + `,"serviceName":"Contract 2","issuer":"https://contract.example","createdAt":1,"modifiedAt":2,` +
					`"supportedGrantTypes":["AUTHORIZATION_CODE","REFRESH_TOKEN","CLIENT_CREDENTIALS","IMPLICIT"],` +
					`"supportedResponseTypes":["CODE","CODE_ID_TOKEN"],"pkceRequired":true,"ticketDuration":3600}`}
		},
		func() contractCall {
			return contractCall{name: "create client", method: "POST", path: "/api/client/create", auth: svc, body: clientBody, want: 201,
				then: func(t *testing.T, b map[string]any) {
					clientID = idOf(b["clientId"])
					if _, ok := b["clientSecret"].(string); !ok {
						t.Error("no clientSecret for a confidential client")
					}
				}}
		},
		func() contractCall {
			return contractCall{name: "create public client", method: "POST", path: "/api/client/create", auth: svc, want: 201,
				body: map[string]any{"clientName": "Contract SPA", "clientType": "PUBLIC", "applicationType": "NATIVE",
					"redirectUris": []string{"com.example.app:/cb", "http://127.0.0.1/cb"}},
				then: func(t *testing.T, b map[string]any) { publicID = idOf(b["clientId"]) }}
		},
		func() contractCall {
			return contractCall{name: "get client by ID", method: "GET", path: clientURL("/api/client/get/%s"), auth: svc, want: 200,
				then: func(t *testing.T, b map[string]any) { readCl = b }}
		},
		func() contractCall {
			return contractCall{name: "update client with what get returned", method: "POST", path: clientURL("/api/client/update/%s"),
				auth: svc, body: readCl, want: 200,
				then: func(t *testing.T, b map[string]any) {
					if _, ok := b["clientSecret"]; ok {
						t.Error("a confidential client that kept its secret was shown one")
					}
				}}
		},
		func() contractCall {
			return contractCall{name: "get client by alias", method: "GET", path: "/api/client/get/" + alias, auth: svc, want: 200}
		},
		func() contractCall {
			return contractCall{name: "list clients", method: "GET", path: "/api/client/get/list?start=1", auth: svc, want: 200}
		},
		func() contractCall {
			return contractCall{name: "update client to public", method: "POST", path: clientURL("/api/client/update/%s"), auth: svc, want: 200,
				body: map[string]any{"clientId": json.Number(clientID), "clientName": "Contract Web 2", "clientType": "PUBLIC",
					"redirectUris": []string{"https://contract.example/cb"}, "responseTypes": []string{"CODE"}}}
		},
		func() contractCall {
			return contractCall{name: "update client back to confidential", method: "POST", path: clientURL("/api/client/update/%s"), auth: svc, want: 200,
				body: clientBody,
				then: func(t *testing.T, b map[string]any) {
					if _, ok := b["clientSecret"].(string); !ok {
						t.Error("no clientSecret for a client that became confidential")
					}
				}}
		},
		func() contractCall {
			return contractCall{name: "refresh secret", method: "GET", path: clientURL("/api/client/secret/refresh/%s"), auth: svc, want: 200}
		},

		// Failures.
		func() contractCall {
			return contractCall{name: "400 unknown field and bad values", method: "POST", path: "/api/client/create", auth: svc, want: 400,
				body: map[string]any{"clientName": "", "clientType": "public", "grantTypes": []string{"FOO"}, "foo": 1}}
		},
		func() contractCall {
			return contractCall{name: "400 not JSON", method: "POST", path: "/api/service/create", auth: admin, want: 400, body: "{"}
		},
		func() contractCall {
			return contractCall{name: "400 clientId mismatch", method: "POST", path: clientURL("/api/client/update/%s"), auth: svc, want: 400,
				body: map[string]any{"clientId": 1, "clientName": "x", "clientType": "PUBLIC", "redirectUris": []string{"https://contract.example/cb"}}}
		},
		func() contractCall {
			return contractCall{name: "400 apiKey mismatch", method: "POST", path: "/api/service/update/" + apiKey, auth: admin, want: 400,
				body: map[string]any{"apiKey": 1, "serviceName": "x", "issuer": "https://contract.example"}}
		},
		func() contractCall {
			return contractCall{name: "400 bad page", method: "GET", path: "/api/client/get/list?start=5&end=2", auth: svc, want: 400}
		},
		func() contractCall {
			return contractCall{name: "400 page too long", method: "GET", path: "/api/service/get/list?end=1001", auth: admin, want: 400}
		},
		func() contractCall {
			return contractCall{name: "400 refresh public secret", method: "GET", path: "/api/client/secret/refresh/" + publicID, auth: svc, want: 400}
		},
		func() contractCall {
			return contractCall{name: "401 no credentials", method: "GET", path: "/api/client/get/list", want: 401}
		},
		func() contractCall {
			return contractCall{name: "401 service credentials as admin", method: "GET", path: "/api/service/get/list", auth: svc, want: 401}
		},
		func() contractCall {
			return contractCall{name: "401 wrong admin secret", method: "POST", path: "/api/service/create", auth: [2]string{contractAdminKey, "nope"},
				body: serviceBody, want: 401}
		},
		func() contractCall {
			return contractCall{name: "404 service", method: "GET", path: "/api/service/get/1", auth: admin, want: 404}
		},
		func() contractCall {
			return contractCall{name: "404 service key not a number", method: "DELETE", path: "/api/service/delete/abc", auth: admin, want: 404}
		},
		func() contractCall {
			return contractCall{name: "404 client", method: "GET", path: "/api/client/get/999", auth: svc, want: 404}
		},
		func() contractCall {
			return contractCall{name: "404 client of another service", method: "GET", path: clientURL("/api/client/get/%s"), auth: otherSvc, want: 404}
		},
		func() contractCall {
			return contractCall{name: "404 update by alias", method: "POST", path: "/api/client/update/" + alias, auth: svc, body: clientBody, want: 404}
		},
		func() contractCall {
			return contractCall{name: "409 alias taken", method: "POST", path: "/api/client/create", auth: svc, body: clientBody, want: 409}
		},
		func() contractCall {
			return contractCall{name: "413 body too large", method: "POST", path: "/api/client/create", auth: svc, want: 413,
				body: `{"clientName":"` + strings.Repeat("x", 1<<20) + `"}`}
		},

		// Deletions last.
		func() contractCall {
			return contractCall{name: "delete client by alias", method: "DELETE", path: "/api/client/delete/" + alias, auth: svc, want: 204}
		},
		func() contractCall {
			return contractCall{name: "404 deleted client", method: "DELETE", path: clientURL("/api/client/delete/%s"), auth: svc, want: 404}
		},
		func() contractCall {
			return contractCall{name: "delete service", method: "DELETE", path: "/api/service/delete/" + apiKey, auth: admin, want: 204}
		},
		func() contractCall {
			return contractCall{name: "401 deleted service", method: "GET", path: "/api/client/get/list", auth: svc, want: 401}
		},
		func() contractCall {
			return contractCall{name: "404 deleted service", method: "DELETE", path: "/api/service/delete/" + apiKey, auth: admin, want: 404}
		},
	}
	for _, mk := range calls {
		c := mk()
		proceed := false
		t.Run(c.name, func(t *testing.T) {
			body, ok := c.do(t, h)
			if ok && c.then != nil {
				c.then(t, body)
			}
			// A contract error alone does not stop the walk: every other
			// answer is still worth checking.
			proceed = ok
		})
		if !proceed {
			return // later calls depend on this one
		}
	}
}

// TestContractStoreFailures holds the 500 and 503 answers against the spec.
func TestContractStoreFailures(t *testing.T) {
	tests := []struct {
		name string
		err  error
		call contractCall
	}{
		{"ready 503", store.ErrUnavailable, contractCall{method: "GET", path: "/health/ready", want: 503}},
		{"service auth 503", store.ErrUnavailable, contractCall{method: "GET", path: "/api/client/get/list", auth: [2]string{"42", "secret"}, want: 503}},
		{"admin 503", fmt.Errorf("dial: %w", store.ErrUnavailable), contractCall{method: "GET", path: "/api/service/get/42", auth: [2]string{contractAdminKey, contractAdminSecret}, want: 503}},
		{"admin 500", errors.New("boom"), contractCall{method: "GET", path: "/api/service/get/list", auth: [2]string{contractAdminKey, contractAdminSecret}, want: 500}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := New(Config{
				Engine:      testEngine(t, contractFailingStore{Store: memstore.New(), err: tt.err}),
				AdminKey:    contractAdminKey,
				AdminSecret: contractAdminSecret,
			})
			body, _ := tt.call.do(t, h)
			if tt.call.want == http.StatusInternalServerError && strings.Contains(fmt.Sprint(body), "boom") {
				t.Errorf("a 500 shows its cause: %v", body)
			}
		})
	}
}

// TestUndocumentedMethods pins what openapi.yaml says in prose about methods
// a path does not serve, since no operation there can describe it.
func TestUndocumentedMethods(t *testing.T) {
	c := mustContract(t)
	errSchema := c.doc.Components.Schemas["Error"].Value
	h := New(Config{
		Engine:      testEngine(t, memstore.New()),
		AdminKey:    contractAdminKey,
		AdminSecret: contractAdminSecret,
	})
	tests := []struct {
		method, path string
		auth         bool
		want         int
		code         string
		header       string
	}{
		{method: "POST", path: "/health/live", want: 405, code: "G000206", header: "Allow"},
		{method: "DELETE", path: "/openapi.yaml", want: 405, code: "G000206", header: "Allow"},
		{method: "PUT", path: "/api/service/get/1", auth: true, want: 405, code: "G000206", header: "Allow"},
		{method: "PUT", path: "/api/service/get/1", want: 405, code: "G000206", header: "Allow"},
		{method: "GET", path: "/api/client/create", want: 405, code: "G000206", header: "Allow"},
		{method: "GET", path: "/api/nothing", want: 404, code: "G000205", header: "Cache-Control"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path+" "+strconv.FormatBool(tt.auth), func(t *testing.T) {
			req := httptest.NewRequest(tt.method, tt.path, nil)
			if tt.auth {
				req.SetBasicAuth(contractAdminKey, contractAdminSecret)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.want {
				t.Errorf("status %d, want %d", rec.Code, tt.want)
			}
			if rec.Header().Get(tt.header) == "" {
				t.Errorf("no %s header", tt.header)
			}
			var body map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatalf("body %q: %v", rec.Body, err)
			}
			if err := errSchema.VisitJSON(body, openapi3.EnableJSONSchema2020()); err != nil {
				t.Errorf("body does not match the Error schema: %v", err)
			}
			if body["resultCode"] != tt.code {
				t.Errorf("resultCode %v, want %s", body["resultCode"], tt.code)
			}
		})
	}
}
