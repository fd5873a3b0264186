package service

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/gatehouse-oss/gatehouse/service/oauth"
	"github.com/gatehouse-oss/gatehouse/store"
	"github.com/gatehouse-oss/gatehouse/store/memstore"
)

// fuzzBearerIssuer is the JWT bearer issuer the trusting service of
// fuzzToken trusts.
const fuzzBearerIssuer = "https://idp.fuzz.example"

// fuzzToken is an engine over a memstore at a fixed time with two
// services: one trusting no JWT bearer issuer (the grant answers
// JWT_BEARER) and one trusting fuzzBearerIssuer (the engine verifies the
// assertion). Each has a client of every authentication method, named by
// its alias: basic (client_secret_basic), post (client_secret_post), public
// (none) and pkjwt (private_key_jwt with an ES256 key).
type fuzzToken struct {
	e          *Engine
	svcs       [2]*fuzzTokenService // [relaying, trusting]
	clientKey  *ecdsa.PrivateKey    // pkjwt's, kid "pkjwt"
	strangeKey *ecdsa.PrivateKey    // registered nowhere, same kid
	issuerKey  *ecdsa.PrivateKey    // fuzzBearerIssuer's
	jti        int
}

type fuzzTokenService struct {
	svc     store.Service
	clients map[string]store.Client
	secrets map[string]string
	// static stands for {basic}, {post}, {public}, {pkjwt} (numeric client
	// IDs) and {basic-secret}, {post-secret}.
	static *strings.Replacer
}

// fuzzClientNames are the aliases of fuzzToken's clients.
var fuzzClientNames = []string{"basic", "post", "public", "pkjwt"}

func newFuzzToken(tb testing.TB) *fuzzToken {
	tb.Helper()
	ctx := context.Background()
	e, err := New(Config{Store: memstore.New(), Now: func() time.Time { return testNow }})
	if err != nil {
		tb.Fatal(err)
	}
	f := &fuzzToken{e: e}
	for _, k := range []**ecdsa.PrivateKey{&f.clientKey, &f.strangeKey, &f.issuerKey} {
		if *k, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
			tb.Fatal(err)
		}
	}
	jwks := func(k *ecdsa.PrivateKey, kid string) string {
		b, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: k.Public(), KeyID: kid, Use: "sig"}}})
		if err != nil {
			tb.Fatal(err)
		}
		return string(b)
	}
	for i := range f.svcs {
		in := testService()
		in.TokenEndpoint = "https://as.example.com/token"
		in.SupportedGrantTypes = []string{oauth.GrantAuthorizationCode, oauth.GrantRefreshToken,
			oauth.GrantClientCredentials, oauth.GrantPassword, oauth.GrantJWTBearer}
		if i == 1 {
			in.TrustedJWTIssuers = []store.TrustedIssuer{{Issuer: fuzzBearerIssuer, JWKS: jwks(f.issuerKey, "idp"), SubjectPattern: `[a-z]+`}}
		}
		svc, _, err := e.CreateService(ctx, in)
		if err != nil {
			tb.Fatalf("CreateService: %v", err)
		}
		s := &fuzzTokenService{svc: svc, clients: map[string]store.Client{}, secrets: map[string]string{}}
		pairs := []string{}
		for _, name := range fuzzClientNames {
			c := testClient(oauth.ClientConfidential)
			c.ClientIDAlias, c.ClientIDAliasEnabled = name, true
			c.GrantTypes = []string{oauth.GrantAuthorizationCode, oauth.GrantRefreshToken, oauth.GrantClientCredentials,
				oauth.GrantPassword, oauth.GrantJWTBearer}
			switch name {
			case "basic":
				c.TokenAuthMethod = oauth.AuthClientSecretBasic
			case "post":
				c.TokenAuthMethod = oauth.AuthClientSecretPost
				c.GrantTypes = c.GrantTypes[:3]
			case "public":
				c.ClientType, c.TokenAuthMethod = oauth.ClientPublic, oauth.AuthNone
				c.GrantTypes = c.GrantTypes[:2]
			case "pkjwt":
				c.TokenAuthMethod, c.JWKS = oauth.AuthPrivateKeyJWT, jwks(f.clientKey, "pkjwt")
			}
			created, secret, err := e.CreateClient(ctx, svc, c)
			if err != nil {
				tb.Fatalf("CreateClient %s: %v", name, err)
			}
			s.clients[name], s.secrets[name] = created, secret
			pairs = append(pairs, "{"+name+"}", strconv.FormatInt(created.ClientID, 10))
		}
		pairs = append(pairs, "{basic-secret}", url.QueryEscape(s.secrets["basic"]), "{post-secret}", url.QueryEscape(s.secrets["post"]))
		s.static = strings.NewReplacer(pairs...)
		f.svcs[i] = s
	}
	return f
}

// maxFuzzMints bounds the credentials one input may have minted, so that
// an input of many placeholders costs no more than a few requests.
const maxFuzzMints = 4

// fuzzMint matches the placeholders minted afresh for each use:
// {code:NAME} (an authorization code of client NAME, PKCE with verifier),
// {refresh:NAME} (a refresh token of client NAME), {assertion} (a client
// assertion of pkjwt), {bearer} (a JWT bearer assertion of
// fuzzBearerIssuer about "alice").
var fuzzMint = regexp.MustCompile(`\{(code|refresh):(basic|post|public|pkjwt)\}|\{assertion\}|\{bearer\}`)

// expand replaces the placeholders of raw with what they stand for in s.
func (f *fuzzToken) expand(t *testing.T, s *fuzzTokenService, raw string) string {
	t.Helper()
	minted := 0
	raw = fuzzMint.ReplaceAllStringFunc(raw, func(m string) string {
		if minted++; minted > maxFuzzMints {
			return m
		}
		kind, name, _ := strings.Cut(strings.Trim(m, "{}"), ":")
		switch kind {
		case "code":
			return url.QueryEscape(f.code(t, s, name))
		case "refresh":
			return url.QueryEscape(f.refresh(t, s, name))
		case "assertion":
			return f.sign(t, f.clientKey, "pkjwt", f.assertionClaims(s, s.clients["pkjwt"]))
		default:
			cl := f.assertionClaims(s, store.Client{})
			cl["iss"], cl["sub"] = fuzzBearerIssuer, "alice"
			return f.sign(t, f.issuerKey, "idp", cl)
		}
	})
	return s.static.Replace(raw)
}

// code runs the authorization APIs for client name and returns a code.
func (f *fuzzToken) code(t *testing.T, s *fuzzTokenService, name string) string {
	t.Helper()
	ctx := context.Background()
	q := url.Values{"response_type": {"code"}, "client_id": {name}, "redirect_uri": {"https://app.example.com/cb"},
		"scope": {"openid profile"}, "nonce": {"n"}, "code_challenge": {s256(verifier)}, "code_challenge_method": {"S256"}}
	r, err := f.e.Authorization(ctx, s.svc, q.Encode())
	if err != nil || r.Ticket == "" {
		t.Fatalf("Authorization: %+v %v", r, err)
	}
	out, err := f.e.AuthorizationIssue(ctx, s.svc, AuthorizationIssue{Ticket: r.Ticket, Subject: "alice", AuthTime: testNow.Add(-time.Minute).Unix()})
	if err != nil || out.AuthorizationCode == "" {
		t.Fatalf("AuthorizationIssue: %+v %v", out, err)
	}
	return out.AuthorizationCode
}

// refresh mints a refresh token of client name through token management.
func (f *fuzzToken) refresh(t *testing.T, s *fuzzTokenService, name string) string {
	t.Helper()
	r, err := f.e.CreateToken(context.Background(), s.svc, TokenCreateRequest{GrantType: oauth.GrantAuthorizationCode,
		ClientID: s.clients[name].ClientID, Subject: "alice", Scopes: []string{"openid", "profile"}})
	if err != nil || r.RefreshToken == "" {
		t.Fatalf("CreateToken: %+v %v", r, err)
	}
	return r.RefreshToken
}

// assertionClaims are valid claims of an assertion of client c for s, at
// the engine's time, with a jti of their own.
func (f *fuzzToken) assertionClaims(s *fuzzTokenService, c store.Client) map[string]any {
	f.jti++
	sub := strconv.FormatInt(c.ClientID, 10)
	return map[string]any{"iss": sub, "sub": sub, "aud": s.svc.Issuer, "iat": testNow.Unix(),
		"exp": testNow.Add(5 * time.Minute).Unix(), "jti": fmt.Sprintf("fuzz-%d", f.jti)}
}

// sign signs claims with ES256 under kid.
func (f *fuzzToken) sign(tb testing.TB, k *ecdsa.PrivateKey, kid string, claims map[string]any) string {
	tb.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: k, KeyID: kid}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		tb.Fatal(err)
	}
	raw, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		tb.Fatal(err)
	}
	return raw
}

// Parameters of the seeds.
const (
	fuzzRedirect     = "&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&code_verifier=" + verifier
	fuzzAssertion    = "&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion="
	fuzzJWTBearer    = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer"
	fuzzPasswordBody = "grant_type=password&username=alice&password=p%40ss+word"
)

// fuzzTokenSeed is one input of FuzzTokenRequest.
type fuzzTokenSeed struct {
	params, basicID, basicSecret string
	properties                   uint8
	trusting                     bool
}

// fuzzTokenSeeds are real requests of every grant and authentication
// method, and the error paths.
var fuzzTokenSeeds = []fuzzTokenSeed{
	{params: "grant_type=authorization_code&code={code:basic}" + fuzzRedirect, basicID: "basic", basicSecret: "{basic-secret}"},
	{params: "grant_type=authorization_code&code={code:basic}" + fuzzRedirect, basicID: "{basic}", basicSecret: "{basic-secret}", properties: 3},
	{params: "grant_type=authorization_code&code={code:post}&client_id=post&client_secret={post-secret}" + fuzzRedirect},
	{params: "grant_type=authorization_code&code={code:public}&client_id={public}" + fuzzRedirect},
	{params: "grant_type=authorization_code&code={code:pkjwt}" + fuzzRedirect + fuzzAssertion + "{assertion}", trusting: true},
	{params: "grant_type=authorization_code&code={code:basic}&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&code_verifier=wrong-wrong-wrong-wrong-wrong-wrong-wrong-1", basicID: "basic", basicSecret: "{basic-secret}"},
	{params: "grant_type=authorization_code&code={code:public}&client_id=basic" + fuzzRedirect, basicID: "basic", basicSecret: "{basic-secret}"},
	{params: "grant_type=refresh_token&refresh_token={refresh:basic}&scope=openid", basicID: "basic", basicSecret: "{basic-secret}"},
	{params: "grant_type=refresh_token&refresh_token={refresh:public}&client_id=public&scope=profile"},
	{params: "grant_type=refresh_token&refresh_token={refresh:basic}&client_id=public"},
	{params: "grant_type=client_credentials&scope=profile+email", basicID: "basic", basicSecret: "{basic-secret}", properties: 255},
	{params: "grant_type=client_credentials&client_id=post&client_secret={post-secret}"},
	{params: "grant_type=client_credentials" + fuzzAssertion + "{assertion}"},
	{params: "grant_type=client_credentials&client_id=public"},
	{params: fuzzPasswordBody + "&scope=openid+offline_access", basicID: "basic", basicSecret: "{basic-secret}", properties: 1},
	{params: fuzzPasswordBody + fuzzAssertion + "{assertion}", trusting: true},
	{params: fuzzJWTBearer + "&assertion={bearer}&scope=profile", basicID: "basic", basicSecret: "{basic-secret}"},
	{params: fuzzJWTBearer + "&assertion={bearer}", basicID: "basic", basicSecret: "{basic-secret}", trusting: true},
	{params: fuzzJWTBearer + "&assertion=a.b.c", basicID: "basic", basicSecret: "{basic-secret}", trusting: true},
	{params: fuzzJWTBearer + fuzzAssertion + "{assertion}&assertion={assertion}"},
	// Errors of parsing, authentication and dispatch.
	{},
	{params: "%zz"},
	{params: "grant_type=client_credentials&grant_type=client_credentials", basicID: "basic", basicSecret: "{basic-secret}"},
	{params: "grant_type=device_code", basicID: "basic", basicSecret: "{basic-secret}"},
	{params: `grant_type=%22%5C%C2%A7%FF%0A`, basicID: "basic", basicSecret: "{basic-secret}"},
	{params: "grant_type=client_credentials", basicID: "basic", basicSecret: "wrong"},
	{params: "grant_type=client_credentials", basicID: "ba%73ic", basicSecret: "{basic-secret}"},
	{params: "grant_type=client_credentials", basicID: "%zz", basicSecret: "%"},
	{params: "grant_type=client_credentials", basicSecret: "{basic-secret}"},
	{params: "grant_type=client_credentials&client_id=post", basicID: "basic", basicSecret: "{basic-secret}"},
	{params: "grant_type=client_credentials&client_secret={post-secret}", basicID: "post", basicSecret: "{post-secret}"},
	{params: "grant_type=client_credentials&client_id=post&client_secret={basic-secret}"},
	{params: "grant_type=client_credentials&client_id=basic&client_secret={basic-secret}"},
	{params: "grant_type=client_credentials&client_id=nobody&client_secret=x"},
	{params: "grant_type=client_credentials&client_id=%7B%22%24ne%22%3A%22%22%7D&client_secret=x"},
	{params: "grant_type=client_credentials&client_assertion_type=x&client_assertion=a.b.c"},
	{params: "grant_type=client_credentials" + fuzzAssertion + "a.b.c"},
	{params: "grant_type=client_credentials&client_id=post" + fuzzAssertion + "{assertion}"},
	{params: "grant_type=authorization_code&code=nope" + fuzzRedirect, basicID: "basic", basicSecret: "{basic-secret}"},
	{params: "grant_type=authorization_code" + fuzzRedirect, basicID: "basic", basicSecret: "{basic-secret}"},
	{params: "grant_type=refresh_token&refresh_token=nope", basicID: "basic", basicSecret: "{basic-secret}"},
	{params: "grant_type=client_credentials&scope=openid+%00", basicID: "basic", basicSecret: "{basic-secret}"},
	{params: "grant_type=client_credentials&scope=" + strings.Repeat("profile+", 120), basicID: "basic", basicSecret: "{basic-secret}"},
	{params: "grant_type=password&username=alice", basicID: "basic", basicSecret: "{basic-secret}"},
	{params: "grant_type=password&client_id=post&client_secret={post-secret}&username=a&password=b"},
	{params: fuzzJWTBearer, basicID: "basic", basicSecret: "{basic-secret}"},
	{params: "grant_type=client_credentials&" + strings.Repeat("x=1&", oauth.MaxParams)},
	{params: "grant_type=" + strings.Repeat("g", oauth.MaxParamsLength)},
}

// fuzzTokenErrors are the error codes of a token error response (RFC 6749
// §5.2; invalid_target is RFC 8707's).
var fuzzTokenErrors = []string{oauth.CodeInvalidRequest, oauth.CodeInvalidClient, oauth.CodeInvalidGrant,
	oauth.CodeUnauthorizedClient, oauth.CodeUnsupportedGrantType, oauth.CodeInvalidScope, oauth.CodeInvalidTarget}

var fuzzTokenCode = regexp.MustCompile(`^G005[0-9]{3}$`)

// fuzzMaxCall bounds the time of one call of the engine: far above what
// any request takes, far below what a loop over the input would.
const fuzzMaxCall = 5 * time.Second

// FuzzTokenRequest feeds arbitrary token requests — form body, Basic
// credentials, a number of properties, one of two services — to Token.
// Nothing may panic or fail (the store is a memstore); every outcome is a
// documented action of /auth/token with a G005 result code; an error answer
// is an RFC 6749 §5.2 error with a description of the allowed characters;
// only a successful answer carries tokens, and only for a client of the
// service; the work and the answer are bounded by the input.
func FuzzTokenRequest(f *testing.F) {
	for _, s := range fuzzTokenSeeds {
		f.Add(s.params, s.basicID, s.basicSecret, s.properties, s.trusting)
	}
	fx := newFuzzToken(f)
	f.Fuzz(func(t *testing.T, params, basicID, basicSecret string, properties uint8, trusting bool) {
		s := fx.svcs[0]
		if trusting {
			s = fx.svcs[1]
		}
		// Each input starts with a clean throttle, so that its outcome
		// does not depend on the inputs before it.
		fx.e.throttle = newAuthThrottle()
		req := TokenRequest{Parameters: fx.expand(t, s, params), ClientID: s.static.Replace(basicID), ClientSecret: s.static.Replace(basicSecret)}
		for i := range int(properties) {
			req.Properties = append(req.Properties, store.Property{Key: "k" + strconv.Itoa(i), Value: "v", Hidden: i%2 == 0})
		}
		start := time.Now()
		r, err := fx.e.Token(context.Background(), s.svc, req)
		if took := time.Since(start); took > fuzzMaxCall {
			t.Fatalf("Token took %v", took)
		}
		if err != nil {
			t.Fatalf("Token: %v", err)
		}
		checkTokenResult(t, s, req, r, trusting)
	})
}

// checkTokenResult checks an answer of /auth/token to req.
func checkTokenResult(t *testing.T, s *fuzzTokenService, req TokenRequest, r TokenResult, trusting bool) {
	t.Helper()
	if !fuzzTokenCode.MatchString(r.ResultCode) || !strings.HasPrefix(r.ResultMessage, "["+r.ResultCode+"] ") {
		t.Fatalf("result %q, %q", r.ResultCode, r.ResultMessage)
	}
	category := r.ResultCode[4]
	minted := r.AccessToken != "" || r.RefreshToken != "" || r.IDToken != ""
	known := slices.ContainsFunc(fuzzClientNames, func(n string) bool { return s.clients[n].ClientID == r.ClientID })
	bound := 8*(len(req.Parameters)+len(req.ClientID)+len(req.ClientSecret)) + 4096
	if len(r.ResponseContent) > bound || len(r.ResultMessage) > bound {
		t.Fatalf("%s: an answer of %d bytes to a request of %d", r.Action, len(r.ResponseContent), len(req.Parameters))
	}
	switch r.Action {
	case ActionOK:
		var body tokenResponse
		if err := json.Unmarshal([]byte(r.ResponseContent), &body); err != nil || category != '0' || !known ||
			body.AccessToken == "" || body.AccessToken != r.AccessToken || body.TokenType != "Bearer" || body.ExpiresIn <= 0 ||
			body.RefreshToken != r.RefreshToken || body.IDToken != r.IDToken {
			t.Fatalf("OK %s %q for client %d: %v", r.ResultCode, r.ResponseContent, r.ClientID, err)
		}
	case ActionPassword:
		if category != '0' || !known || minted || r.Ticket == "" || r.Username == "" || r.Password == "" ||
			r.ResponseContent != "" || r.GrantType != oauth.GrantPassword {
			t.Fatalf("PASSWORD %+v", r)
		}
	case ActionJWTBearer:
		var claims map[string]any
		if category != '0' || !known || minted || trusting || r.Assertion == "" ||
			json.Unmarshal([]byte(r.AssertionClaims), &claims) != nil || claims == nil {
			t.Fatalf("JWT_BEARER (trusting %v) %+v", trusting, r)
		}
	case ActionBadRequest, ActionInvalidClient, ActionTooManyRequests:
		code := fuzzCheckTokenError(t, r.ResponseContent)
		if category != '2' && category != '3' || minted || r.Ticket != "" || r.Assertion != "" ||
			(code == oauth.CodeInvalidClient) != (r.Action != ActionBadRequest) ||
			(r.RetryAfter > 0) != (r.Action == ActionTooManyRequests) {
			t.Fatalf("%s %s %q: %+v", r.Action, r.ResultCode, code, r)
		}
	default:
		t.Fatalf("undocumented action %q (%s)", r.Action, r.ResultMessage)
	}
}

// fuzzCheckTokenError checks an RFC 6749 §5.2 error body and returns its
// error code.
func fuzzCheckTokenError(t *testing.T, content string) string {
	t.Helper()
	var body map[string]string
	if err := json.Unmarshal([]byte(content), &body); err != nil {
		t.Fatalf("error body %q: %v", content, err)
	}
	for k := range body {
		if k != "error" && k != "error_description" {
			t.Fatalf("error body %q: member %q", content, k)
		}
	}
	if !slices.Contains(fuzzTokenErrors, body["error"]) || body["error_description"] == "" {
		t.Fatalf("error body %q", content)
	}
	fuzzCheckDescription(t, body["error_description"])
	return body["error"]
}
