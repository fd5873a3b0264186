package api

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/authlete/authlete-go/dto"
	"github.com/authlete/authlete-go/types"
	"github.com/go-jose/go-jose/v4"
	"github.com/google/go-cmp/cmp"
)

// The JWT bearer tests' issuer, and the subject its assertions name.
const (
	jbIssuer  = "https://idp.example.com"
	jbSubject = "ada@example.com"
	jbGrant   = "urn:ietf:params:oauth:grant-type:jwt-bearer"
)

// jbFixture is a router with a service that enables the JWT bearer grant
// and trusts jbIssuer, and a Basic client "app" registered for the grant;
// every call is held against openapi.yaml.
type jbFixture struct {
	*pwFixture
	idpKey  *ecdsa.PrivateKey
	issuers []trustedIssuerJSON
}

func newJBFixture(t *testing.T) *jbFixture {
	t.Helper()
	m := newMgmt(t, nil)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	f := &jbFixture{idpKey: key, issuers: []trustedIssuerJSON{
		{Issuer: jbIssuer, JWKS: tsecJWKS(t, jose.JSONWebKey{Key: &key.PublicKey, KeyID: "idp-1", Use: "sig", Algorithm: string(jose.ES256)}),
			SubjectPattern: `[a-z]+@example\.com`},
		{Issuer: "urn:example:partner", JWKSURI: "https://partner.example/jwks"},
	}}
	var svc serviceJSON
	m.expect(m.json(http.MethodPost, "/api/service/create", mgmtAdminKey, mgmtAdminSecret, jbServiceBody(t, f.issuers)), http.StatusCreated, &svc)
	f.pwFixture = &pwFixture{m: m, key: fmt.Sprint(svc.APIKey), secret: svc.APISecret}
	f.client = m.newClient(f.key, f.secret, `{"clientName":"Partner app","clientType":"CONFIDENTIAL","clientIdAlias":"app",`+
		`"grantTypes":["JWT_BEARER"],"responseTypes":[]}`)
	return f
}

// jbServiceBody is the management body of the fixture's service with
// issuers as its trustedJwtIssuers (left out when nil).
func jbServiceBody(t *testing.T, issuers []trustedIssuerJSON) string {
	t.Helper()
	body := map[string]any{
		"serviceName": "Shop", "issuer": rtIssuer, "tokenEndpoint": rtIssuer + "/token",
		"supportedGrantTypes": []string{"AUTHORIZATION_CODE", "REFRESH_TOKEN", "JWT_BEARER"},
	}
	if issuers != nil {
		body["trustedJwtIssuers"] = issuers
	}
	return rtJSON(t, body)
}

// service reads the service back through the management API.
func (f *jbFixture) service() serviceJSON {
	f.m.t.Helper()
	var out serviceJSON
	f.m.expect(f.m.json(http.MethodGet, "/api/service/get/"+f.key, mgmtAdminKey, mgmtAdminSecret, ""), http.StatusOK, &out)
	return out
}

// assertion signs valid claims of jbIssuer about jbSubject, edited.
func (f *jbFixture) assertion(edit func(map[string]any)) string {
	f.m.t.Helper()
	now := time.Now()
	cl := map[string]any{"iss": jbIssuer, "sub": jbSubject, "aud": rtIssuer, "iat": now.Unix(),
		"exp": now.Add(5 * time.Minute).Unix(), "jti": tsecRandom()}
	if edit != nil {
		edit(cl)
	}
	return tsecSign(f.m.t, jose.ES256, f.idpKey, "idp-1", cl)
}

func (f *jbFixture) bearer(assertion, scope string) tokenJSON {
	f.m.t.Helper()
	return f.token(url.Values{"grant_type": {jbGrant}, "assertion": {assertion}, "scope": {scope}})
}

// TestJWTBearerThroughTheRouter sets trusted issuers through the management
// API, has the engine verify an assertion, then takes the issuers away and
// gets the assertion handed to the frontend instead.
func TestJWTBearerThroughTheRouter(t *testing.T) {
	f := newJBFixture(t)
	if d := cmp.Diff(f.issuers, f.service().TrustedJWTIssuers); d != "" {
		t.Fatalf("trustedJwtIssuers round trip (-sent +read):\n%s", d)
	}

	r := f.bearer(f.assertion(nil), "openid profile")
	if r.Action != "OK" || r.ResultCode != "G005001" || r.AccessToken == "" || r.Subject != jbSubject || r.GrantType != "JWT_BEARER" ||
		r.ClientID != f.client.ClientID || !slices.Equal(r.Scopes, []string{"profile"}) {
		t.Fatalf("jwt bearer = %+v", r)
	}
	if r.RefreshToken != "" || r.IDToken != "" || r.Assertion != "" || strings.Contains(r.ResponseContent, "refresh_token") {
		t.Errorf("jwt bearer issued more than an access token: %+v", r)
	}

	// Every refusal reads the same.
	replayed := f.assertion(nil)
	f.bearer(replayed, "")
	for name, a := range map[string]string{
		"replayed jti":         replayed,
		"sub outside pattern":  f.assertion(func(c map[string]any) { c["sub"] = "ada@evil.example" }),
		"untrusted issuer":     f.assertion(func(c map[string]any) { c["iss"] = "https://evil.example" }),
		"for another audience": f.assertion(func(c map[string]any) { c["aud"] = "https://elsewhere.example" }),
	} {
		r := f.bearer(a, "")
		if r.Action != "BAD_REQUEST" || r.ResultCode != "G005326" || pwError(t, r.ResponseContent) != "invalid_grant" || r.AccessToken != "" {
			t.Errorf("%s: %+v", name, r)
		}
	}
	if r := f.token(url.Values{"grant_type": {jbGrant}}); r.ResultCode != "G005325" || pwError(t, r.ResponseContent) != "invalid_request" {
		t.Errorf("no assertion: %+v", r)
	}

	// No trusted issuer: the frontend gets the assertion to decide.
	f.m.expect(f.m.json(http.MethodPost, "/api/service/update/"+f.key, mgmtAdminKey, mgmtAdminSecret, jbServiceBody(t, nil)), http.StatusOK, nil)
	if got := f.service().TrustedJWTIssuers; got == nil || len(got) != 0 {
		t.Fatalf("trustedJwtIssuers after update = %#v, want []", got)
	}
	a := f.assertion(func(c map[string]any) { c["iss"] = "https://anyone.example" })
	r = f.bearer(a, "profile")
	if r.Action != "JWT_BEARER" || r.ResultCode != "G005004" || r.Assertion != a || r.ResponseContent != "" || r.AccessToken != "" ||
		r.GrantType != "JWT_BEARER" || r.ClientID != f.client.ClientID || !slices.Equal(r.Scopes, []string{"profile"}) {
		t.Fatalf("jwt bearer without issuers = %+v", r)
	}
	var claims map[string]any
	if err := json.Unmarshal([]byte(r.AssertionClaims), &claims); err != nil || claims["iss"] != "https://anyone.example" || claims["sub"] != jbSubject {
		t.Errorf("assertionClaims = %s (%v)", r.AssertionClaims, err)
	}
}

// TestTrustedIssuersValidationThroughTheRouter: one 400 names every bad
// issuer field, found by the tags or by the engine.
func TestTrustedIssuersValidationThroughTheRouter(t *testing.T) {
	m := newMgmt(t, nil)
	bad := []trustedIssuerJSON{
		{Issuer: "not a url", JWKS: `{"keys":[]}`},
		{Issuer: jbIssuer, JWKSURI: "http://idp.example.com/jwks", SubjectPattern: "("},
		{JWKSURI: "https://idp.example.com/jwks"},
		{Issuer: jbIssuer, JWKS: `{"keys":[]}`, JWKSURI: "https://idp.example.com/jwks"},
	}
	var out struct {
		FieldErrors []struct{ Field, Message string } `json:"fieldErrors"`
	}
	m.expect(m.json(http.MethodPost, "/api/service/create", mgmtAdminKey, mgmtAdminSecret, jbServiceBody(t, bad)), http.StatusBadRequest, &out)
	var fields []string
	for _, fe := range out.FieldErrors {
		fields = append(fields, fe.Field)
	}
	slices.Sort(fields)
	want := []string{
		"trustedJwtIssuers[0].issuer", "trustedJwtIssuers[0].jwks",
		"trustedJwtIssuers[1].jwksUri", "trustedJwtIssuers[1].subjectPattern",
		"trustedJwtIssuers[2].issuer",
		"trustedJwtIssuers[3].issuer", "trustedJwtIssuers[3].jwks",
	}
	if d := cmp.Diff(want, fields); d != "" {
		t.Errorf("bad fields (-want +got):\n%s\n%+v", d, out.FieldErrors)
	}

	many := make([]trustedIssuerJSON, 21)
	for i := range many {
		many[i] = trustedIssuerJSON{Issuer: fmt.Sprintf("%s/%d", jbIssuer, i), JWKSURI: "https://idp.example.com/jwks"}
	}
	m.expect(m.json(http.MethodPost, "/api/service/create", mgmtAdminKey, mgmtAdminSecret, jbServiceBody(t, many)), http.StatusBadRequest, &out)
	if len(out.FieldErrors) != 1 || out.FieldErrors[0].Field != "trustedJwtIssuers" {
		t.Errorf("21 issuers: %+v", out.FieldErrors)
	}
}

// TestJWTBearerSchemasAreTight holds made-up answers against openapi.yaml:
// JWT_BEARER carries the assertion and nothing to answer the client with.
func TestJWTBearerSchemasAreTight(t *testing.T) {
	mustContract(t)
	relay := `{"resultCode":"G005004","resultMessage":"[G005004] x","action":"JWT_BEARER","assertion":"a.b.c","assertionClaims":"{}","grantType":"JWT_BEARER","clientId":1}`
	ok := `{"resultCode":"G005001","resultMessage":"[G005001] x","action":"OK","responseContent":"{}","accessToken":"a","subject":"s"}`
	password := `{"resultCode":"G005002","resultMessage":"[G005002] x","action":"PASSWORD","ticket":"t","username":"u","password":"p"}`
	for _, tc := range []struct {
		name, body string
		wantErr    bool
	}{
		{"conforming JWT_BEARER", relay, false},
		{"conforming OK", ok, false},
		{"conforming PASSWORD", password, false},
		{"JWT_BEARER without assertion", strings.Replace(relay, `"assertion":"a.b.c",`, "", 1), true},
		{"JWT_BEARER without claims", strings.Replace(relay, `,"assertionClaims":"{}"`, "", 1), true},
		{"JWT_BEARER with responseContent", strings.Replace(relay, `"assertion"`, `"responseContent":"{}","assertion"`, 1), true},
		{"JWT_BEARER with an access token", strings.Replace(relay, `"assertion"`, `"accessToken":"a","assertion"`, 1), true},
		{"JWT_BEARER with a ticket", strings.Replace(relay, `"assertion"`, `"ticket":"t","assertion"`, 1), true},
		{"JWT_BEARER with another code", strings.Replace(relay, "G005004", "G005001", 1), true},
		{"OK with an assertion", strings.Replace(ok, `"accessToken"`, `"assertion":"a.b.c","accessToken"`, 1), true},
		{"PASSWORD with assertionClaims", strings.Replace(password, `"ticket"`, `"assertionClaims":"{}","ticket"`, 1), true},
		{"BAD_REQUEST without responseContent", `{"resultCode":"G005326","resultMessage":"x","action":"BAD_REQUEST"}`, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, pwToken, nil)
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			h := rec.Header()
			h.Set("Content-Type", "application/json")
			h.Set("X-Request-Id", "jb-1")
			h.Set("Cache-Control", "no-store")
			h.Set("Pragma", "no-cache")
			rec.WriteHeader(http.StatusOK)
			rec.Body.WriteString(tc.body)
			err := contractError(req, []byte(`{"parameters":"x"}`), rec)
			if (err != nil) != tc.wantErr {
				t.Errorf("contract error = %v, want an error: %v", err, tc.wantErr)
			}
		})
	}
}

// TestJWTBearerAuthleteGo: an unchanged Authlete client SDK reads the
// JWT_BEARER answer, assertion included.
func TestJWTBearerAuthleteGo(t *testing.T) {
	f := newAuthleteFixture(t)
	body := strings.Replace(rtServiceBody, `"IMPLICIT"]`, `"IMPLICIT","JWT_BEARER"]`, 1)
	f.m.expect(f.m.json(http.MethodPost, "/api/service/update/"+f.key, mgmtAdminKey, mgmtAdminSecret, body), http.StatusOK, nil)
	c := f.m.newClient(f.key, f.secret, `{"clientName":"App","clientType":"CONFIDENTIAL","clientIdAlias":"app","grantTypes":["JWT_BEARER"],"responseTypes":[]}`)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	a := tsecSign(t, jose.ES256, key, "k", map[string]any{"iss": jbIssuer, "sub": jbSubject, "aud": rtIssuer,
		"iat": now.Unix(), "exp": now.Add(time.Minute).Unix(), "jti": tsecRandom()})
	res, apiErr := f.sdk.Token(&dto.TokenRequest{
		Parameters: url.Values{"grant_type": {jbGrant}, "assertion": {a}}.Encode(),
		ClientId:   "app", ClientSecret: c.ClientSecret,
	})
	if apiErr != nil {
		t.Fatalf("authlete-go Token: %v (cause %v)", apiErr, apiErr.Cause)
	}
	if res.Action != dto.TokenAction_JWT_BEARER || res.Assertion != a || res.ResultCode != "G005004" ||
		res.GrantType != types.GrantType_JWT_BEARER || res.ClientId != uint64(c.ClientID) || res.ResponseContent != "" {
		t.Errorf("Token = %+v", res)
	}
}
