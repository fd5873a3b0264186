package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/gatehouse-oss/gatehouse/service/oauth"
	"github.com/gatehouse-oss/gatehouse/store"
	"github.com/gatehouse-oss/gatehouse/store/memstore"
)

// Issuers of the JWT bearer tests: idp signs with the keys rsa and ec and
// vouches for example.com addresses only; partner signs with other.
const (
	bearerIdP     = "https://idp.example.com"
	bearerPartner = "urn:example:partner"
	bearerSubject = "ada@example.com"
)

// bearerFixture is a service with the JWT bearer grant on and a Basic client
// "app" registered for it, over a settable clock.
type bearerFixture struct {
	e      *Engine
	st     store.Store
	clk    *clock
	svc    store.Service
	secret string
	keys   map[string]assertKey
}

// bearerIssuers are the fixture's trusted issuers, with inline key sets.
func bearerIssuers(t *testing.T) []store.TrustedIssuer {
	k := testAssertKeys()
	return []store.TrustedIssuer{
		{Issuer: bearerIdP, JWKS: jwksOf(t, k["rsa"].public(), k["ec"].public()), SubjectPattern: `[a-z]+@example\.com`},
		{Issuer: bearerPartner, JWKS: jwksOf(t, k["other"].public())},
	}
}

func newBearerFixture(t *testing.T, st store.Store, edit func(*store.Service)) *bearerFixture {
	t.Helper()
	f := &bearerFixture{st: st, clk: &clock{t: testNow}, keys: testAssertKeys()}
	f.e = mustNew(t, Config{Store: st, Now: f.clk.now})
	in := testService()
	in.TokenEndpoint = "https://as.example.com/token"
	in.SupportedGrantTypes = append(in.SupportedGrantTypes, oauth.GrantJWTBearer)
	in.TrustedJWTIssuers = bearerIssuers(t)
	if edit != nil {
		edit(&in)
	}
	var err error
	if f.svc, _, err = f.e.CreateService(context.Background(), in); err != nil {
		t.Fatalf("CreateService: %v", err)
	}
	c := testClient(oauth.ClientConfidential)
	c.ClientIDAlias, c.ClientIDAliasEnabled = "app", true
	c.GrantTypes, c.ResponseTypes, c.RedirectURIs = []string{oauth.GrantJWTBearer}, []string{}, nil
	if _, f.secret, err = f.e.CreateClient(context.Background(), f.svc, c); err != nil {
		t.Fatalf("CreateClient: %v", err)
	}
	return f
}

// claims are valid claims of an idp assertion about bearerSubject for the
// fixture's service, at the fixture's time.
func (f *bearerFixture) claims(edit func(map[string]any)) map[string]any {
	cl := assertionClaims(f.svc, bearerSubject, f.clk.t)
	cl["iss"] = bearerIdP
	if edit != nil {
		edit(cl)
	}
	return cl
}

// send runs a JWT bearer request of client app with assertion and scope
// ("" for none), on svc.
func (f *bearerFixture) send(t *testing.T, svc store.Service, assertion, scope string) TokenResult {
	t.Helper()
	p := url.Values{"grant_type": {oauth.GrantJWTBearer}, "assertion": {assertion}}
	if scope != "" {
		p.Set("scope", scope)
	}
	r, err := f.e.Token(context.Background(), svc, TokenRequest{Parameters: p.Encode(), ClientID: "app", ClientSecret: f.secret})
	if err != nil {
		t.Fatalf("Token: %v", err)
	}
	return r
}

// wantRefused checks the one answer of every refused assertion.
func wantRefused(t *testing.T, r TokenResult) {
	t.Helper()
	wantError(t, r, ActionBadRequest, oauth.CodeInvalidGrant)
	code, msg := resTokenBadAssertion.message()
	if r.ResultCode != code || r.ResponseContent != oauth.NewError(oauth.CodeInvalidGrant, msg).JSON() {
		t.Fatalf("refusal = %s %s, want the generic %s", r.ResultCode, r.ResponseContent, code)
	}
	if r.AccessToken != "" || r.Assertion != "" || r.AssertionClaims != "" || r.Subject != "" {
		t.Fatalf("refusal carries more: %+v", r)
	}
}

// wantIssued checks an access token for bearerSubject with scopes, and
// nothing else: no refresh token, no ID token (RFC 7521 §4.1 policy).
func (f *bearerFixture) wantIssued(t *testing.T, r TokenResult, scopes ...string) {
	t.Helper()
	if r.Action != ActionOK || r.ResultCode != "G005001" || r.AccessToken == "" || r.Subject != bearerSubject ||
		r.GrantType != oauth.GrantJWTBearer || !slices.Equal(r.Scopes, scopes) {
		t.Fatalf("issued = %+v, want OK for %s with %v", r, bearerSubject, scopes)
	}
	if r.RefreshToken != "" || r.IDToken != "" {
		t.Fatalf("issued a refresh token %q or an ID token %q", r.RefreshToken, r.IDToken)
	}
	var resp map[string]any
	if err := json.Unmarshal([]byte(r.ResponseContent), &resp); err != nil {
		t.Fatal(err)
	}
	if _, ok := resp["refresh_token"]; ok || resp["id_token"] != nil || resp["access_token"] != r.AccessToken {
		t.Fatalf("token response %v", resp)
	}
	tok, err := f.st.GetToken(context.Background(), f.svc.APIKey, hashToken(r.AccessToken))
	if err != nil || tok.Subject != bearerSubject || tok.Kind != "access" || !slices.Equal(tok.Scopes, scopes) {
		t.Fatalf("stored token = %+v, %v", tok, err)
	}
}

func TestJWTBearerTrustedIssuer(t *testing.T) {
	f := newBearerFixture(t, memstore.New(), nil)
	k := f.keys
	at := func(d time.Duration) int64 { return f.clk.t.Add(d).Unix() }
	set := func(claim string, v any) func(map[string]any) {
		return func(cl map[string]any) {
			if v == nil {
				delete(cl, claim)
			} else {
				cl[claim] = v
			}
		}
	}
	sign := func(key assertKey, edit func(map[string]any)) func(t *testing.T) string {
		return func(t *testing.T) string { return key.sign(t, f.claims(edit)) }
	}
	cases := []struct {
		name      string
		assertion func(t *testing.T) string
		ok        bool
	}{
		{name: "ES256", assertion: sign(k["ec"], nil), ok: true},
		{name: "RS256", assertion: sign(k["rsa"], nil), ok: true},
		{name: "PS256", assertion: sign(k["rsa"].withAlg(jose.PS256), nil), ok: true},
		{name: "no kid", assertion: sign(k["ec"].withKID(""), nil), ok: true},
		{name: "aud is the token endpoint", assertion: sign(k["ec"], set("aud", "https://as.example.com/token")), ok: true},
		{name: "aud array", assertion: sign(k["ec"], set("aud", []string{"https://rp.example.com", "https://as.example.com"})), ok: true},
		{name: "nbf passed", assertion: sign(k["ec"], set("nbf", at(-time.Minute))), ok: true},
		{name: "other trusted issuer", ok: true, assertion: func(t *testing.T) string {
			return k["other"].sign(t, f.claims(set("iss", bearerPartner)))
		}},

		{name: "untrusted iss", assertion: sign(k["ec"], set("iss", "https://evil.example.com"))},
		{name: "iss missing", assertion: sign(k["ec"], set("iss", nil))},
		{name: "iss differs in case", assertion: sign(k["ec"], set("iss", "https://IDP.example.com"))},
		{name: "wrong key with a trusted kid", assertion: sign(k["stranger"].withKID("rsa"), nil)},
		{name: "wrong key without kid", assertion: sign(k["stranger"].withKID(""), nil)},
		{name: "key of another trusted issuer", assertion: sign(k["other"], nil)},
		{name: "alg none", assertion: func(t *testing.T) string {
			return unsignedJWT(t, map[string]any{"alg": "none"}, f.claims(nil), "")
		}},
		{name: "HS256", assertion: func(t *testing.T) string {
			return assertKey{alg: jose.HS256, kid: "ec"}.signHMAC(t, []byte("0123456789abcdef0123456789abcdef"), f.claims(nil))
		}},
		{name: "wrong aud", assertion: sign(k["ec"], set("aud", "https://other-as.example.com"))},
		{name: "aud missing", assertion: sign(k["ec"], set("aud", nil))},
		{name: "expired", assertion: sign(k["ec"], func(cl map[string]any) { cl["iat"], cl["exp"] = at(-10*time.Minute), at(-2*time.Minute) })},
		{name: "exp missing", assertion: sign(k["ec"], set("exp", nil))},
		{name: "iat in the future", assertion: sign(k["ec"], func(cl map[string]any) { cl["iat"], cl["exp"] = at(5*time.Minute), at(10*time.Minute) })},
		{name: "nbf in the future", assertion: sign(k["ec"], set("nbf", at(5*time.Minute)))},
		{name: "lifetime too long", assertion: sign(k["ec"], set("exp", at(2*time.Hour)))},
		{name: "jti missing", assertion: sign(k["ec"], set("jti", nil))},
		{name: "sub missing", assertion: sign(k["ec"], set("sub", nil))},
		{name: "sub not matching the pattern", assertion: sign(k["ec"], set("sub", "ada@evil.example"))},
		{name: "sub matching only in part", assertion: sign(k["ec"], set("sub", "x ada@example.com"))},
		{name: "sub matching only a prefix", assertion: sign(k["ec"], set("sub", "ada@example.com.evil"))},
		{name: "sub too long", assertion: func(t *testing.T) string {
			return k["other"].sign(t, f.claims(func(cl map[string]any) { cl["iss"], cl["sub"] = bearerPartner, strings.Repeat("a", 256) }))
		}},
		{name: "sub not printable ASCII", assertion: func(t *testing.T) string {
			return k["other"].sign(t, f.claims(func(cl map[string]any) { cl["iss"], cl["sub"] = bearerPartner, "ada\n" }))
		}},
		{name: "not a JWT", assertion: func(*testing.T) string { return "not.a.jwt" }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := f.send(t, f.svc, tc.assertion(t), "openid profile email offline_access")
			if tc.ok {
				f.wantIssued(t, r, "profile", "email")
				return
			}
			wantRefused(t, r)
		})
	}
}

func TestJWTBearerRequest(t *testing.T) {
	f := newBearerFixture(t, memstore.New(), func(s *store.Service) {
		s.SupportedScopes[1].DefaultEntry = true // profile
	})
	a := f.keys["ec"].sign(t, f.claims(nil))

	// assertion is required (RFC 7523 §2.1).
	r := f.send(t, f.svc, "", "")
	wantError(t, r, ActionBadRequest, oauth.CodeInvalidRequest)
	if r.ResultCode != "G005325" {
		t.Errorf("missing assertion = %s", r.ResultCode)
	}
	// The grant is off unless the service supports it and the client is
	// registered for it.
	off := f.svc
	off.SupportedGrantTypes = slices.DeleteFunc(slices.Clone(off.SupportedGrantTypes), func(g string) bool { return g == oauth.GrantJWTBearer })
	wantError(t, f.send(t, off, a, ""), ActionBadRequest, oauth.CodeUnsupportedGrantType)
	cc := testClient(oauth.ClientConfidential)
	cc.GrantTypes, cc.RedirectURIs = []string{oauth.GrantClientCredentials}, nil
	ccClient, secret, err := f.e.CreateClient(context.Background(), f.svc, cc)
	if err != nil {
		t.Fatal(err)
	}
	p := url.Values{"grant_type": {oauth.GrantJWTBearer}, "assertion": {a}}.Encode()
	r, err = f.e.Token(context.Background(), f.svc, TokenRequest{Parameters: p, ClientID: fmt.Sprint(ccClient.ClientID), ClientSecret: secret})
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, r, ActionBadRequest, oauth.CodeUnauthorizedClient)

	// No scope: the service's defaults. The refused requests above did not
	// spend the assertion.
	f.wantIssued(t, f.send(t, f.svc, a, ""), "profile")
}

// TestJWTBearerSingleUse: a jti is single use per issuer (RFC 7523 §3
// item 7), and only a request that gets its tokens spends it.
func TestJWTBearerSingleUse(t *testing.T) {
	f := newBearerFixture(t, memstore.New(), func(s *store.Service) { s.ScopeRequired = true })
	ctx := context.Background()
	cl := f.claims(nil)
	a := f.keys["ec"].sign(t, cl)

	// A scope refusal comes before the jti is recorded.
	if r := f.send(t, f.svc, a, "unknown"); r.ResultCode != "G005321" {
		t.Fatalf("unknown scope = %+v", r)
	}
	f.wantIssued(t, f.send(t, f.svc, a, "profile"), "profile")
	wantRefused(t, f.send(t, f.svc, a, "profile"))
	// A new assertion reusing the jti is a replay too.
	wantRefused(t, f.send(t, f.svc, f.keys["rsa"].sign(t, cl), "profile"))
	// The same jti is another issuer's to use.
	other := f.claims(func(c map[string]any) { c["iss"], c["jti"] = bearerPartner, cl["jti"] })
	f.wantIssued(t, f.send(t, f.svc, f.keys["other"].sign(t, other), "profile"), "profile")
	// The mark is the one the brief names: kind jwt-bearer-jti, key iss:jti.
	err := f.st.Claim(ctx, f.svc.APIKey, "jwt-bearer-jti", fmt.Sprintf("%s:%s", bearerIdP, cl["jti"]), testNow.Add(time.Hour))
	if !errors.Is(err, store.ErrConsumed) {
		t.Fatalf("claim of iss:jti = %v, want ErrConsumed", err)
	}
	// The mark outlives the assertion: past its exp plus the skew, the
	// assertion is refused as expired anyway.
	f.clk.t = f.clk.t.Add(5*time.Minute + assertionSkew)
	wantRefused(t, f.send(t, f.svc, a, "profile"))
}

// TestJWTBearerRelay: a service that trusts no issuer verifies nothing and
// answers JWT_BEARER with the assertion and its claims (Authlete's
// behaviour); what needs no key is still checked.
func TestJWTBearerRelay(t *testing.T) {
	f := newBearerFixture(t, memstore.New(), func(s *store.Service) { s.TrustedJWTIssuers = nil })
	cl := f.claims(func(c map[string]any) { c["iss"], c["tenant"] = "https://anyone.example", map[string]any{"id": 7} })
	// Signed by a key no one registered: the frontend verifies.
	a := f.keys["stranger"].sign(t, cl)
	for range 2 { // the jti is not recorded
		r := f.send(t, f.svc, a, "openid profile")
		if r.Action != ActionJWTBearer || r.ResultCode != "G005004" || r.Assertion != a || r.GrantType != oauth.GrantJWTBearer ||
			!slices.Equal(r.Scopes, []string{"profile"}) || r.ClientID == 0 {
			t.Fatalf("relay = %+v", r)
		}
		if r.ResponseContent != "" || r.AccessToken != "" || r.Subject != "" || r.Ticket != "" {
			t.Fatalf("relay carries more than the assertion: %+v", r)
		}
		var got map[string]any
		if err := json.Unmarshal([]byte(r.AssertionClaims), &got); err != nil {
			t.Fatalf("assertionClaims %q: %v", r.AssertionClaims, err)
		}
		want, _ := json.Marshal(cl)
		var wantMap map[string]any
		_ = json.Unmarshal(want, &wantMap)
		if fmt.Sprint(got) != fmt.Sprint(wantMap) {
			t.Fatalf("assertionClaims = %v, want %v", got, wantMap)
		}
	}
	// What needs no key is checked before the frontend sees anything.
	for name, assertion := range map[string]string{
		"not a JWT": "not.a.jwt",
		"alg none":  unsignedJWT(t, map[string]any{"alg": "none"}, cl, ""),
		"HS256":     assertKey{alg: jose.HS256}.signHMAC(t, []byte("0123456789abcdef0123456789abcdef"), cl),
		"no iss":    f.keys["ec"].sign(t, f.claims(func(c map[string]any) { delete(c, "iss") })),
		"no sub":    f.keys["ec"].sign(t, f.claims(func(c map[string]any) { delete(c, "sub") })),
		"wrong aud": f.keys["ec"].sign(t, f.claims(func(c map[string]any) { c["aud"] = "https://other.example" })),
		"expired":   f.keys["ec"].sign(t, f.claims(func(c map[string]any) { c["exp"] = testNow.Add(-time.Hour).Unix(); delete(c, "iat") })),
		"no jti":    f.keys["ec"].sign(t, f.claims(func(c map[string]any) { delete(c, "jti") })),
		"not JSON":  "eyJhbGciOiJFUzI1NiJ9.WzFd.c2ln", // a JSON array
	} {
		t.Run(name, func(t *testing.T) { wantRefused(t, f.send(t, f.svc, assertion, "")) })
	}
}

// TestJWTBearerJWKSURI: an issuer's keys behind jwksUri come through the
// shared fetcher, cached; an unreachable set refuses the assertion, it is
// no engine error.
func TestJWTBearerJWKSURI(t *testing.T) {
	srv := newJWKSServer(t)
	k := testAssertKeys()
	srv.set("/idp", jwksOf(t, k["ec"].public()))
	f := newBearerFixture(t, memstore.New(), func(s *store.Service) {
		s.TrustedJWTIssuers = []store.TrustedIssuer{
			{Issuer: bearerIdP, JWKSURI: srv.URL + "/idp"},
			{Issuer: bearerPartner, JWKSURI: srv.URL + "/gone"},
		}
	})
	useJWKSFetcher(f.e, srv.testFetcher())
	f.wantIssued(t, f.send(t, f.svc, k["ec"].sign(t, f.claims(nil)), "profile"), "profile")
	f.wantIssued(t, f.send(t, f.svc, k["ec"].sign(t, f.claims(nil)), "profile"), "profile")
	if n := srv.count("/idp"); n != 1 {
		t.Errorf("%d fetches of the issuer's set, want 1 (cached)", n)
	}
	wantRefused(t, f.send(t, f.svc, k["stranger"].sign(t, f.claims(nil)), "profile"))
	wantRefused(t, f.send(t, f.svc, k["other"].sign(t, f.claims(func(c map[string]any) { c["iss"] = bearerPartner })), "profile"))
}

func TestJWTBearerEngineFaults(t *testing.T) {
	t.Run("store outage", func(t *testing.T) {
		f := newBearerFixture(t, claimOutageStore{memstore.New()}, nil)
		p := url.Values{"grant_type": {oauth.GrantJWTBearer}, "assertion": {f.keys["ec"].sign(t, f.claims(nil))}}.Encode()
		_, err := f.e.Token(context.Background(), f.svc, TokenRequest{Parameters: p, ClientID: "app", ClientSecret: f.secret})
		if kind := kindOf(t, err); kind != KindUnavailable {
			t.Fatalf("kind = %v, want KindUnavailable", kind)
		}
	})
	t.Run("stored pattern that does not compile", func(t *testing.T) {
		f := newBearerFixture(t, memstore.New(), nil)
		svc := f.svc
		svc.TrustedJWTIssuers = bearerIssuers(t)
		svc.TrustedJWTIssuers[0].SubjectPattern = "("
		p := url.Values{"grant_type": {oauth.GrantJWTBearer}, "assertion": {f.keys["ec"].sign(t, f.claims(nil))}}.Encode()
		_, err := f.e.Token(context.Background(), svc, TokenRequest{Parameters: p, ClientID: "app", ClientSecret: f.secret})
		if kind := kindOf(t, err); kind != KindInternal {
			t.Fatalf("kind = %v, want KindInternal", kind)
		}
	})
}

func TestTrustedIssuerValidation(t *testing.T) {
	k := testAssertKeys()
	jwks := jwksOf(t, k["ec"].public())
	ok := store.TrustedIssuer{Issuer: bearerIdP, JWKS: jwks}
	cases := []struct {
		name    string
		issuers func() []store.TrustedIssuer
		want    []string // fields
	}{
		{"valid", func() []store.TrustedIssuer {
			return []store.TrustedIssuer{ok, {Issuer: "urn:example:idp", JWKSURI: "https://idp.example/jwks", SubjectPattern: `\d+`}}
		}, nil},
		{"issuer missing", func() []store.TrustedIssuer { return []store.TrustedIssuer{{JWKS: jwks}} }, []string{"trustedJwtIssuers[0].issuer"}},
		{"issuer relative", func() []store.TrustedIssuer { return []store.TrustedIssuer{{Issuer: "idp.example.com", JWKS: jwks}} }, []string{"trustedJwtIssuers[0].issuer"}},
		{"issuer with a fragment", func() []store.TrustedIssuer { return []store.TrustedIssuer{{Issuer: bearerIdP + "#x", JWKS: jwks}} }, []string{"trustedJwtIssuers[0].issuer"}},
		{"issuer too long", func() []store.TrustedIssuer {
			return []store.TrustedIssuer{{Issuer: bearerIdP + "/" + strings.Repeat("a", maxTrustedIssuerLength), JWKS: jwks}}
		}, []string{"trustedJwtIssuers[0].issuer"}},
		{"duplicate issuer", func() []store.TrustedIssuer { return []store.TrustedIssuer{ok, ok} }, []string{"trustedJwtIssuers[1].issuer"}},
		{"no keys", func() []store.TrustedIssuer { return []store.TrustedIssuer{{Issuer: bearerIdP}} }, []string{"trustedJwtIssuers[0].jwksUri"}},
		{"both key sources", func() []store.TrustedIssuer {
			return []store.TrustedIssuer{{Issuer: bearerIdP, JWKS: jwks, JWKSURI: "https://idp.example/jwks"}}
		}, []string{"trustedJwtIssuers[0].jwks"}},
		{"jwks not a JWK Set", func() []store.TrustedIssuer { return []store.TrustedIssuer{{Issuer: bearerIdP, JWKS: `{"kty":"EC"}`}} }, []string{"trustedJwtIssuers[0].jwks"}},
		{"jwks without keys", func() []store.TrustedIssuer { return []store.TrustedIssuer{{Issuer: bearerIdP, JWKS: `{"keys":[]}`}} }, []string{"trustedJwtIssuers[0].jwks"}},
		{"jwks with a private key", func() []store.TrustedIssuer {
			return []store.TrustedIssuer{{Issuer: bearerIdP, JWKS: jwksOf(t, jose.JSONWebKey{Key: k["ec"].priv, KeyID: "ec"})}}
		}, []string{"trustedJwtIssuers[0].jwks"}},
		{"jwksUri over http", func() []store.TrustedIssuer {
			return []store.TrustedIssuer{{Issuer: bearerIdP, JWKSURI: "http://idp.example/jwks"}}
		}, []string{"trustedJwtIssuers[0].jwksUri"}},
		{"jwksUri relative", func() []store.TrustedIssuer { return []store.TrustedIssuer{{Issuer: bearerIdP, JWKSURI: "/jwks"}} }, []string{"trustedJwtIssuers[0].jwksUri"}},
		{"subjectPattern invalid", func() []store.TrustedIssuer {
			return []store.TrustedIssuer{{Issuer: bearerIdP, JWKS: jwks, SubjectPattern: "a)|(b"}}
		}, []string{"trustedJwtIssuers[0].subjectPattern"}},
		{"too many", func() []store.TrustedIssuer {
			var list []store.TrustedIssuer
			for i := range maxTrustedIssuers + 1 {
				list = append(list, store.TrustedIssuer{Issuer: fmt.Sprintf("%s/%d", bearerIdP, i), JWKS: jwks})
			}
			return list
		}, []string{"trustedJwtIssuers"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			svc := testService()
			svc.TrustedJWTIssuers = tc.issuers()
			var got []string
			for _, fe := range ValidateService(svc) {
				got = append(got, fe.Field)
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("bad fields = %v (%v), want %v", got, ValidateService(svc), tc.want)
			}
		})
	}
}
