package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/gatehouse-oss/gatehouse/store/memstore"
)

// fuzzMgmt is the real router over a memstore with two services: shop,
// whose credentials create clients and tokens and introspect, and target,
// which the operator updates. Neither has a request rate limit.
type fuzzMgmt struct {
	e           *echo.Echo
	key, secret string // shop's
	expand      *strings.Replacer
}

// fuzzRoute is one route FuzzManagementJSON posts to.
type fuzzRoute struct {
	path        string // {target} stands for target's apiKey
	contentType string
	admin       bool  // the operator's credentials, else shop's
	statuses    []int // the documented answers to a call with good credentials
}

var (
	fuzzMgmtStatuses    = []int{http.StatusOK, http.StatusCreated, http.StatusBadRequest, http.StatusNotFound, http.StatusConflict, http.StatusRequestEntityTooLarge}
	fuzzRuntimeStatuses = []int{http.StatusOK, http.StatusBadRequest, http.StatusRequestEntityTooLarge}
)

// fuzzRoutes are the routes of FuzzManagementJSON, picked by the input's
// first argument.
var fuzzRoutes = []fuzzRoute{
	{"/api/client/create", echo.MIMEApplicationJSON, false, fuzzMgmtStatuses},
	{"/api/service/update/{target}", echo.MIMEApplicationJSON, true, fuzzMgmtStatuses},
	{"/api/auth/token/create", echo.MIMEApplicationJSON, false, fuzzMgmtStatuses},
	{"/api/auth/introspection", echo.MIMEApplicationJSON, false, fuzzRuntimeStatuses},
	{"/api/auth/introspection", echo.MIMEApplicationForm, false, fuzzRuntimeStatuses},
}

// Routes of the seeds.
const (
	fuzzRouteClient = iota
	fuzzRouteService
	fuzzRouteToken
	fuzzRouteIntrospect
	fuzzRouteIntrospectForm
)

func newFuzzMgmt(tb testing.TB) *fuzzMgmt {
	tb.Helper()
	e := New(Config{Engine: testEngine(tb, memstore.New()), AdminKey: mgmtAdminKey, AdminSecret: mgmtAdminSecret})
	post := func(path, key, secret, body string, out any) {
		req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
		req.SetBasicAuth(key, secret)
		req.Header.Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		if rec.Code/100 != 2 || json.Unmarshal(rec.Body.Bytes(), out) != nil {
			tb.Fatalf("POST %s: %d %s", path, rec.Code, rec.Body)
		}
	}
	var shop, target serviceJSON
	post("/api/service/create", mgmtAdminKey, mgmtAdminSecret, `{"serviceName":"Shop","issuer":"https://login.shop.example",`+
		`"supportedGrantTypes":["AUTHORIZATION_CODE","REFRESH_TOKEN","IMPLICIT","CLIENT_CREDENTIALS","PASSWORD"],`+
		`"supportedResponseTypes":["CODE","CODE_ID_TOKEN"],`+
		`"supportedScopes":[{"name":"openid","defaultEntry":true},{"name":"profile"},{"name":"email"}]}`, &shop)
	post("/api/service/create", mgmtAdminKey, mgmtAdminSecret, `{"serviceName":"Target","issuer":"https://target.example"}`, &target)
	f := &fuzzMgmt{e: e, key: strconv.FormatInt(shop.APIKey, 10), secret: shop.APISecret}
	var client clientJSON
	post("/api/client/create", f.key, f.secret, `{"clientName":"Fuzz","clientType":"CONFIDENTIAL","clientIdAlias":"fuzz",`+
		`"redirectUris":["https://shop.example/cb"],"grantTypes":["AUTHORIZATION_CODE","REFRESH_TOKEN","CLIENT_CREDENTIALS"]}`, &client)
	var token tokenCreatedJSON
	post("/api/auth/token/create", f.key, f.secret, `{"grantType":"AUTHORIZATION_CODE","clientId":`+strconv.FormatInt(client.ClientID, 10)+
		`,"subject":"alice","scopes":["openid","profile"],"properties":[{"key":"k","value":"v"}]}`, &token)
	f.expand = strings.NewReplacer("{target}", strconv.FormatInt(target.APIKey, 10),
		"{client}", strconv.FormatInt(client.ClientID, 10), "{token}", token.AccessToken)
	return f
}

// fuzzMgmtSeeds are valid bodies and broken ones: {client} stands for a
// client of shop, {token} for one of its access tokens, {target} for
// target's apiKey.
var fuzzMgmtSeeds = []struct {
	route uint8
	body  string
}{
	{fuzzRouteClient, rtClientBody},
	{fuzzRouteClient, `{"clientName":"SPA","clientType":"PUBLIC","redirectUris":["https://shop.example/"],"applicationType":"WEB"}`},
	{fuzzRouteClient, `{"clientName":"Native","clientType":"PUBLIC","applicationType":"NATIVE","redirectUris":["http://127.0.0.1/cb","com.shop.app:/cb"]}`},
	{fuzzRouteClient, `{"clientName":"Batch","clientType":"CONFIDENTIAL","grantTypes":["CLIENT_CREDENTIALS"],"responseTypes":[],"tokenAuthMethod":"CLIENT_SECRET_POST",` +
		`"contacts":["ops@shop.example"],"extension":{"requestableScopesEnabled":true,"requestableScopes":["profile"],"accessTokenDuration":60}}`},
	{fuzzRouteClient, `{"clientName":"JWT","clientType":"CONFIDENTIAL","redirectUris":["https://shop.example/cb"],"tokenAuthMethod":"PRIVATE_KEY_JWT",` +
		`"jwks":"{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"AA\",\"y\":\"AA\"}]}"}`},
	{fuzzRouteClient, `{"clientName":"Web","clientType":"CONFIDENTIAL","clientIdAlias":"fuzz","redirectUris":["https://shop.example/cb"]}`},
	{fuzzRouteClient, `{"clientName":"","clientType":"SECRET","redirectUris":["/relative","https://shop.example/#frag","http://shop.example/cb"],"grantTypes":["NOPE"],"contacts":["x"]}`},
	{fuzzRouteClient, `{"clientName":{"$ne":""},"clientType":"PUBLIC"}`},
	{fuzzRouteClient, `{"clientName":"A","clientType":"PUBLIC","unknown":1}`},
	{fuzzRouteClient, `{"clientName":"A","clientType":"PUBLIC","":1}`},
	{fuzzRouteClient, `{"clientName":"A","clientType":"PUBLIC","redirectUris":"https://x"}`},
	{fuzzRouteClient, `{"clientName":"A","clientType":"PUBLIC"}{}`},
	{fuzzRouteClient, `{"clientName":"A","clientType":"PUBLIC","extension":{"accessTokenDuration":-1,"requestableScopes":[1]}}`},
	{fuzzRouteClient, `{"clientName":"A","clientType":"PUBLIC","pkceRequired":null,"clientIdAliasEnabled":"yes"}`},
	{fuzzRouteClient, `{"clientName":"A","clientType":"PUBLIC","redirectUris":["https://x/` + strings.Repeat("a", 2001) + `"]}`},
	{fuzzRouteClient, `{"clientName":"A","clientType":"PUBLIC","clientId":99,"clientSecret":"s","createdAt":1}`},
	{fuzzRouteClient, ``},
	{fuzzRouteClient, `null`},
	{fuzzRouteClient, `[]`},
	{fuzzRouteClient, `"x"`},
	{fuzzRouteClient, `{"clientName":"\ud800","clientType":"PUBLIC"}`},
	{fuzzRouteClient, strings.Repeat(`[`, 20000)},
	{fuzzRouteService, `{"serviceName":"Target","issuer":"https://target.example"}`},
	{fuzzRouteService, `{"apiKey":{target},"serviceName":"Target","issuer":"https://target.example","supportedScopes":[{"name":"openid","defaultEntry":true}],` +
		`"supportedGrantTypes":["AUTHORIZATION_CODE","JWT_BEARER","PASSWORD"],"trustedJwtIssuers":[{"issuer":"https://idp.example","jwksUri":"https://idp.example/jwks","subjectPattern":"[a-z]+"}],` +
		`"accessTokenDuration":60,"requestRateLimit":1000,"pkceRequired":true,"refreshTokenKept":false}`},
	{fuzzRouteService, `{"apiKey":1,"serviceName":"Target","issuer":"https://target.example"}`},
	{fuzzRouteService, `{"serviceName":"Target","issuer":"not a url","trustedJwtIssuers":[{"issuer":"x","subjectPattern":"(("}],"accessTokenDuration":-5,"supportedResponseModes":["QUERY","X","FRAGMENT","FORM_POST"]}`},
	{fuzzRouteService, `{"serviceName":"Target","issuer":"https://target.example","supportedScopes":[{"name":""},{"name":"a b"}],"ticketDuration":1e30}`},
	{fuzzRouteService, `{"serviceName":"Target","issuer":"https://target.example","trustedJwtIssuers":[{"issuer":"x","jwks":"{}","jwksUri":"https://x"}]}`},
	{fuzzRouteToken, `{"grantType":"AUTHORIZATION_CODE","clientId":{client},"subject":"alice","scopes":["openid"]}`},
	{fuzzRouteToken, `{"grantType":"CLIENT_CREDENTIALS","clientId":{client},"scopes":["profile"],"accessTokenDuration":60,"properties":[{"key":"a","value":"b","hidden":true}]}`},
	{fuzzRouteToken, `{"grantType":"CLIENT_CREDENTIALS","clientId":{client},"subject":"alice","scopes":["openid"]}`},
	{fuzzRouteToken, `{"grantType":"PASSWORD","clientId":1,"subject":"","accessTokenDuration":-1,"refreshTokenDuration":9223372036854775807}`},
	{fuzzRouteToken, `{"grantType":"AUTHORIZATION_CODE","clientId":-1}`},
	{fuzzRouteToken, `{"grantType":"AUTHORIZATION_CODE","clientId":1e400}`},
	{fuzzRouteToken, `{"grantType":"AUTHORIZATION_CODE","clientId":"1"}`},
	{fuzzRouteIntrospect, `{"token":"{token}","scopes":["openid"],"subject":"alice"}`},
	{fuzzRouteIntrospect, `{"token":"{token}","scopes":["email"]}`},
	{fuzzRouteIntrospect, `{"token":"nope"}`},
	{fuzzRouteIntrospect, `{}`},
	{fuzzRouteIntrospect, `{"token":["x"]}`},
	{fuzzRouteIntrospect, `{"token":"x","whatever":{"deep":[1,2,{"x":null}]}}`},
	{fuzzRouteIntrospect, `{"token":"` + strings.Repeat("t", runtimeBodyLimit) + `"}`},
	{fuzzRouteIntrospectForm, `token={token}&scopes=openid+profile&subject=alice`},
	{fuzzRouteIntrospectForm, `token=a&token=b`},
	{fuzzRouteIntrospectForm, `token=%zz`},
	{fuzzRouteIntrospectForm, `scopes=&subject=`},
	{fuzzRouteIntrospectForm, `token=a;b=c`},
	{fuzzRouteIntrospectForm, `token=` + strings.Repeat("t", runtimeBodyLimit)},
}

// fuzzFormAsJSON returns an accepted form request as the JSON request the
// engine read it as (lists space-separated, DESIGN §2), for the contract
// check: kin-openapi reads a form list in OpenAPI's style, one value per
// repeated field, which is not the engine's.
func fuzzFormAsJSON(t *testing.T, req *http.Request, body string) (*http.Request, string) {
	t.Helper()
	form, err := url.ParseQuery(body)
	if err != nil {
		t.Fatalf("form %q was accepted; url.ParseQuery says %v", body, err)
	}
	fields := map[string]any{}
	for k, v := range form {
		switch {
		case k != "scopes":
			fields[k] = v[0]
		case len(strings.Fields(v[0])) > 0:
			fields[k] = strings.Fields(v[0])
		}
	}
	b, err := json.Marshal(fields)
	if err != nil {
		t.Fatal(err)
	}
	r := req.Clone(req.Context())
	r.Header.Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
	return r, string(b)
}

var fuzzMgmtCode = regexp.MustCompile(`^G[0-9]{6}$`)

// FuzzManagementJSON posts arbitrary bodies through the real router to
// client creation, service update and token creation (strict JSON binding
// and validation), and to /auth/introspection (the runtime JSON and form
// binding). Every answer has a status of the route's set, never 500; an
// accepted request and its answer must match openapi.yaml; a refusal is
// the contract's Error, {resultCode, resultMessage, fieldErrors?}, and a
// 400 is G000201 for an unreadable body or G000202 naming the bad fields.
func FuzzManagementJSON(f *testing.F) {
	for _, s := range fuzzMgmtSeeds {
		f.Add(s.route, s.body)
	}
	fx := newFuzzMgmt(f)
	f.Fuzz(func(t *testing.T, route uint8, body string) {
		r := fuzzRoutes[int(route)%len(fuzzRoutes)]
		body = fx.expand.Replace(body)
		req := httptest.NewRequest(http.MethodPost, fx.expand.Replace(r.path), strings.NewReader(body))
		req.Header.Set(echo.HeaderContentType, r.contentType)
		if r.admin {
			req.SetBasicAuth(mgmtAdminKey, mgmtAdminSecret)
		} else {
			req.SetBasicAuth(fx.key, fx.secret)
		}
		rec := httptest.NewRecorder()
		fx.e.ServeHTTP(rec, req)

		if !slices.Contains(r.statuses, rec.Code) {
			t.Fatalf("POST %s %q: status %d, body %s", r.path, body, rec.Code, rec.Body)
		}
		if rec.Code < 300 {
			// Accepted: the request must be one the contract allows, the
			// answer one it describes.
			checked, checkedBody := req, body
			if r.contentType == echo.MIMEApplicationForm {
				checked, checkedBody = fuzzFormAsJSON(t, req, body)
			}
			if err := contractError(checked, []byte(checkedBody), rec); err != nil {
				t.Fatalf("POST %s %q → %d breaks openapi.yaml: %v\nbody %s", r.path, body, rec.Code, err, rec.Body)
			}
			return
		}
		// Refused: the contract's Error, checked here rather than by
		// kin-openapi, which compiles the schema anew for every answer
		// and would cost most of the fuzzing time.
		h := rec.Header()
		if h.Get("Cache-Control") != "no-store" || h.Get("Pragma") != "no-cache" || h.Get("X-Request-Id") == "" ||
			h.Get(echo.HeaderContentType) != echo.MIMEApplicationJSON {
			t.Fatalf("%d headers %v", rec.Code, h)
		}
		var e struct {
			ResultCode    string `json:"resultCode"`
			ResultMessage string `json:"resultMessage"`
			FieldErrors   []struct {
				Field   string `json:"field"`
				Message string `json:"message"`
			} `json:"fieldErrors"`
		}
		dec := json.NewDecoder(bytes.NewReader(rec.Body.Bytes()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&e); err != nil || !fuzzMgmtCode.MatchString(e.ResultCode) || !strings.HasPrefix(e.ResultMessage, "["+e.ResultCode+"] ") {
			t.Fatalf("%d body %s: %v", rec.Code, rec.Body, err)
		}
		switch {
		case rec.Code != http.StatusBadRequest:
		case e.ResultCode == "G000201":
			if len(e.FieldErrors) > 0 {
				t.Fatalf("G000201 with field errors: %s", rec.Body)
			}
		case e.ResultCode == "G000202":
			if len(e.FieldErrors) == 0 {
				t.Fatalf("G000202 without field errors: %s", rec.Body)
			}
			for _, fe := range e.FieldErrors {
				if fe.Message == "" {
					t.Fatalf("a field error without a message: %s", rec.Body)
				}
			}
		default:
			t.Fatalf("400 with result code %s, not G000201 or G000202: %s", e.ResultCode, rec.Body)
		}
	})
}
