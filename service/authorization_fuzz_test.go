package service

import (
	"context"
	"encoding/json"
	"html"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-oss/gatehouse/service/oauth"
	"github.com/gatehouse-oss/gatehouse/store"
	"github.com/gatehouse-oss/gatehouse/store/memstore"
)

// fuzzNow is the fixed clock of FuzzAuthorization.
var fuzzNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

const fuzzIssuer = "https://as.fuzz.example"

// fuzzAuthz is an engine over a memstore with the service under test, its
// clients, and a second service whose client shares an alias with one of
// them: nothing of it may ever surface.
type fuzzAuthz struct {
	e        *Engine
	svc      store.Service
	clients  []store.Client // of svc
	expand   *strings.Replacer
	redirect []string // every redirect URI registered in svc
}

func newFuzzAuthz(tb testing.TB) *fuzzAuthz {
	tb.Helper()
	ctx := context.Background()
	e, err := New(Config{Store: memstore.New(), Now: func() time.Time { return fuzzNow }})
	if err != nil {
		tb.Fatal(err)
	}
	all := oauth.ResponseTypes.Names()
	wires := make([]string, len(all))
	for i, n := range all {
		wires[i], _ = oauth.ResponseTypes.Wire(n)
	}
	s := ServiceDefaults()
	s.ServiceName, s.Issuer = "Fuzz", fuzzIssuer
	s.SupportedGrantTypes = []string{oauth.GrantAuthorizationCode, oauth.GrantImplicit, oauth.GrantRefreshToken}
	s.SupportedResponseTypes = wires
	s.SupportedScopes[0].DefaultEntry = true // openid
	svc, _, err := e.CreateService(ctx, s)
	if err != nil {
		tb.Fatalf("CreateService: %v", err)
	}
	f := &fuzzAuthz{e: e, svc: svc}
	for _, c := range []store.Client{
		{ // every response type, two redirect URIs, one with a query
			ClientName: "Web", ClientType: oauth.ClientConfidential, ClientIDAlias: "web", ClientIDAliasEnabled: true,
			RedirectURIs:  []string{"https://app.fuzz.example/cb", "https://app.fuzz.example/cb2?tenant=1"},
			GrantTypes:    []string{oauth.GrantAuthorizationCode, oauth.GrantImplicit},
			ResponseTypes: wires, IDTokenSignAlg: oauth.AlgES256,
		},
		{ // a native app: loopback on any port, a private-use scheme, PKCE
			ClientName: "Native", ClientType: oauth.ClientPublic, ApplicationType: oauth.AppNative,
			ClientIDAlias: "native", ClientIDAliasEnabled: true,
			RedirectURIs: []string{"http://127.0.0.1/cb", "http://[::1]/cb", "com.fuzz.app:/cb"},
		},
		{ // one redirect URI, alias disabled, PKCE required, restricted scopes
			ClientName: "Solo", ClientType: oauth.ClientConfidential, ClientIDAlias: "solo",
			RedirectURIs:  []string{"https://solo.fuzz.example/cb"},
			GrantTypes:    []string{oauth.GrantAuthorizationCode, oauth.GrantImplicit},
			ResponseTypes: []string{oauth.ResponseCode, oauth.ResponseCodeIDToken, oauth.ResponseIDTokenToken},
			PKCERequired:  true, RequestableScopesEnabled: true, RequestableScopes: []string{"openid", "email"},
		},
	} {
		created, _, err := e.CreateClient(ctx, svc, c)
		if err != nil {
			tb.Fatalf("CreateClient %s: %v", c.ClientName, err)
		}
		f.clients = append(f.clients, created)
		f.redirect = append(f.redirect, created.RedirectURIs...)
	}

	other := ServiceDefaults()
	other.ServiceName, other.Issuer = "Other", "https://other.fuzz.example"
	otherSvc, _, err := e.CreateService(ctx, other)
	if err != nil {
		tb.Fatalf("CreateService: %v", err)
	}
	if _, _, err := e.CreateClient(ctx, otherSvc, store.Client{
		ClientName: "Evil twin", ClientType: oauth.ClientConfidential, ClientIDAlias: "web", ClientIDAliasEnabled: true,
		RedirectURIs: []string{"https://evil.fuzz.example/cb"},
	}); err != nil {
		tb.Fatalf("CreateClient: %v", err)
	}

	hint, err := e.SignIDToken(ctx, svc, f.clients[0], IDToken{Subject: "hinted-user"})
	if err != nil {
		tb.Fatalf("SignIDToken: %v", err)
	}
	id := func(i int) string { return strconv.FormatInt(f.clients[i].ClientID, 10) }
	f.expand = strings.NewReplacer("{web}", id(0), "{native}", id(1), "{solo}", id(2), "{hint}", hint)
	return f
}

// fuzzAuthzSeeds are valid requests for every response type and mode, and
// the error paths; {web}, {native}, {solo} stand for the clients' numeric
// IDs and {hint} for an ID token of the service.
var fuzzAuthzSeeds = func() []string {
	web := "client_id=web&redirect_uri=https%3A%2F%2Fapp.fuzz.example%2Fcb"
	var seeds []string
	for _, rt := range []string{"code", "token", "id_token", "code+token", "code+id_token", "id_token+token", "code+id_token+token", "none"} {
		for _, mode := range []string{"", "&response_mode=form_post", "&response_mode=fragment", "&response_mode=query"} {
			seeds = append(seeds, "response_type="+rt+"&"+web+"&scope=openid+profile&state=st&nonce=n"+mode)
		}
	}
	return append(seeds,
		"response_type=code&client_id={web}&redirect_uri=https%3A%2F%2Fapp.fuzz.example%2Fcb2%3Ftenant%3D1&state=a%26b",
		"response_type=code&client_id=web&redirect_uri=https%3A%2F%2Fapp.fuzz.example%2Fcb2%3Ftenant%3D1&response_mode=form_post&state=%22%3E%3Cscript%3E",
		"response_type=code&client_id=native&redirect_uri=http%3A%2F%2F127.0.0.1%3A51234%2Fcb&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256&scope=openid",
		"response_type=code&client_id={native}&redirect_uri=http%3A%2F%2F%5B%3A%3A1%5D%3A8080%2Fcb&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256",
		"response_type=code&client_id=native&redirect_uri=com.fuzz.app%3A%2Fcb&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=plain",
		"response_type=code&client_id=native&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcb%23&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256",
		"response_type=code&client_id={solo}&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256&scope=email+profile",
		"response_type=code+id_token&client_id={solo}&redirect_uri=https%3A%2F%2Fsolo.fuzz.example%2Fcb&scope=openid&nonce=x&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
		"response_type=code&client_id=solo",
		"response_type=code&client_id=web&redirect_uri=https%3A%2F%2Fapp.fuzz.example%2Fcb&prompt=none&id_token_hint={hint}&scope=openid",
		"response_type=code&client_id=web&redirect_uri=https%3A%2F%2Fapp.fuzz.example%2Fcb&prompt=login+consent+select_account&max_age=0&display=popup&ui_locales=fr+en&claims_locales=de&login_hint=ada&acr_values=urn%3Aa+urn%3Ab",
		`response_type=code&client_id=web&redirect_uri=https%3A%2F%2Fapp.fuzz.example%2Fcb&scope=openid&claims=%7B%22id_token%22%3A%7B%22email%22%3A%7B%22essential%22%3Atrue%7D%7D%2C%22userinfo%22%3A%7B%22name%22%3Anull%7D%7D`,
		// Errors before and after the redirect URI is known.
		"",
		"%zz",
		"client_id=web",
		"response_type=code&client_id=nobody&redirect_uri=https%3A%2F%2Fapp.fuzz.example%2Fcb",
		"response_type=code&client_id=web&redirect_uri=https%3A%2F%2Fevil.fuzz.example%2Fcb",
		"response_type=code&client_id=web&client_id=web&redirect_uri=https%3A%2F%2Fapp.fuzz.example%2Fcb",
		"response_type=code&client_id=web&redirect_uri=https%3A%2F%2Fapp.fuzz.example%2Fcb&state=1&state=2",
		"response_type=code&client_id=web&redirect_uri=https%3A%2F%2Fapp.fuzz.example%2Fcb&scope=openid&scope=email",
		"response_type=code&client_id=web&redirect_uri=https%3A%2F%2Fapp.fuzz.example%2Fcb&request=eyJ",
		"response_type=code&client_id=web&redirect_uri=https%3A%2F%2Fapp.fuzz.example%2Fcb&request_uri=urn%3Ax",
		"response_type=token&client_id=web&redirect_uri=https%3A%2F%2Fapp.fuzz.example%2Fcb&response_mode=query",
		"response_type=code&client_id=web&redirect_uri=https%3A%2F%2Fapp.fuzz.example%2Fcb&scope=open%09id",
		"response_type=code&client_id=web&redirect_uri=https%3A%2F%2Fapp.fuzz.example%2Fcb&prompt=none+login",
		"response_type=code&client_id=web&redirect_uri=https%3A%2F%2Fapp.fuzz.example%2Fcb&max_age=-1&display=tv",
		"response_type=code&client_id=web&redirect_uri=https%3A%2F%2Fapp.fuzz.example%2Fcb&claims=%5B%5D",
		"response_type=code&client_id=web&redirect_uri=https%3A%2F%2Fapp.fuzz.example%2Fcb&id_token_hint=eyJhbGciOiJub25lIn0.e30.",
		"response_type=code&client_id=web&redirect_uri=https%3A%2F%2Fapp.fuzz.example%2Fcb&state="+strings.Repeat("s", 2049),
		"response_type=device&client_id=web&redirect_uri=https%3A%2F%2Fapp.fuzz.example%2Fcb&response_mode=form_post",
		"response_type=code&client_id=web&redirect_uri=https%3A%2F%2Fapp.fuzz.example%2Fcb&scope%5Bfoo%5D=bar&=1&=2",
		"response_type=code&client_id=web&redirect_uri=https%3A%2F%2Fapp.fuzz.example%2Fcb&state=%FF%FE&nonce=%C0",
	)
}()

// fuzzResponseKeys are the parameters an authorization response may carry.
var fuzzResponseKeys = []string{"code", "access_token", "token_type", "expires_in", "scope", "id_token", "state", "iss", "error", "error_description"}

var (
	fuzzResultCode = regexp.MustCompile(`^G004[0-9]{3}$`)
	fuzzFormAction = regexp.MustCompile(`<form method="post" action="([^"]*)">`)
	fuzzFormInput  = regexp.MustCompile(`<input type="hidden" name="([^"]*)" value="([^"]*)">`)
	fuzzFailOrder  = []string{"NOT_LOGGED_IN", "LOGIN_REQUIRED", "CONSENT_REQUIRED", "INTERACTION_REQUIRED", "DENIED",
		"ACCOUNT_SELECTION_REQUIRED", "EXCEEDS_MAX_AGE", "DIFFERENT_SUBJECT", "ACR_NOT_SATISFIED", "INVALID_SCOPE",
		"INVALID_TARGET", "SERVER_ERROR", "UNKNOWN"}
)

// FuzzAuthorization feeds arbitrary parameters to Authorization and follows
// every valid request through /issue or /fail. Nothing may panic or fail
// (the store is a memstore); every outcome is a documented action with a
// G004 result code; a response only ever goes to a redirect URI registered
// in the service, carries iss, and only well-formed parameters.
func FuzzAuthorization(f *testing.F) {
	for _, s := range fuzzAuthzSeeds {
		f.Add(s)
	}
	fx := newFuzzAuthz(f)
	f.Fuzz(func(t *testing.T, raw string) {
		ctx := context.Background()
		r, err := fx.e.Authorization(ctx, fx.svc, fx.expand.Replace(raw))
		if err != nil {
			t.Fatalf("Authorization: %v", err)
		}
		fx.checkResult(t, r)
		switch r.Action {
		case ActionInteraction, ActionNoInteraction:
		case ActionBadRequest:
			if !strings.HasPrefix(r.ResultCode, "G0043") || r.Ticket != "" || r.Client != nil {
				t.Fatalf("BAD_REQUEST %s, ticket %q, client %v", r.ResultCode, r.Ticket, r.Client)
			}
			return
		case ActionLocation, ActionForm:
			if !strings.HasPrefix(r.ResultCode, "G0043") || r.Ticket != "" {
				t.Fatalf("%s %s with ticket %q", r.Action, r.ResultCode, r.Ticket)
			}
			if resp := fx.checkResponse(t, r); resp.Get("error") == "" {
				t.Fatalf("an error response without error: %v", resp)
			}
			return
		default:
			t.Fatalf("undocumented action %q", r.Action)
		}

		// A valid request: its client is one of this service's, and it goes
		// on with the ticket.
		q := r.Request
		if r.Ticket == "" || r.Client == nil || q == nil || r.ResponseContent != "" || r.Client.ServiceID != fx.svc.APIKey ||
			q.ClientID != r.Client.ClientID || !fx.knownClient(r.Client.ClientID) {
			t.Fatalf("%s: ticket %q, client %+v, request %+v", r.Action, r.Ticket, r.Client, q)
		}
		if !fx.registered(q.RedirectURI) {
			t.Fatalf("%s: redirect URI %q is not registered", r.Action, q.RedirectURI)
		}
		if len(raw)%2 == 0 {
			fx.issue(t, r)
		} else {
			fx.fail(t, r, fuzzFailOrder[len(raw)%len(fuzzFailOrder)])
		}
		// Whatever happened, the ticket is used up.
		again, err := fx.e.AuthorizationFail(ctx, fx.svc, r.Ticket, "DENIED", "")
		if err != nil || again.Action != ActionBadRequest || again.ResultCode != resTicketUsed.code {
			t.Fatalf("a used ticket: %+v, %v", again, err)
		}
	})
}

func (fx *fuzzAuthz) knownClient(id int64) bool {
	return slices.ContainsFunc(fx.clients, func(c store.Client) bool { return c.ClientID == id })
}

// issue follows a valid request with /issue: the answer must carry exactly
// what the response type asks for.
func (fx *fuzzAuthz) issue(t *testing.T, r AuthorizationResult) {
	t.Helper()
	out, err := fx.e.AuthorizationIssue(context.Background(), fx.svc, AuthorizationIssue{
		Ticket: r.Ticket, Subject: "fuzz-user", AuthTime: fuzzNow.Add(-time.Minute).Unix(), Claims: `{"name":"Fuzz"}`,
	})
	if err != nil {
		t.Fatalf("AuthorizationIssue: %v", err)
	}
	fx.checkResult(t, out)
	if (out.Action != ActionLocation && out.Action != ActionForm) || out.ResultCode != resAuthzIssued.code {
		t.Fatalf("issue: %s %s (%s)", out.Action, out.ResultCode, out.ResultMessage)
	}
	resp := fx.checkResponse(t, out)
	rt := r.Request.ResponseType
	for _, c := range []struct {
		part, key, minted string
	}{
		{"code", "code", out.AuthorizationCode},
		{"token", "access_token", out.AccessToken},
		{"id_token", "id_token", out.IDToken},
	} {
		want := oauth.ResponseTypeHas(rt, c.part)
		if got := resp.Get(c.key); want != (got != "") || got != c.minted {
			t.Fatalf("issue for %q: %s = %q, minted %q", rt, c.key, got, c.minted)
		}
	}
	if resp.Get("error") != "" || resp.Get("state") != r.Request.State {
		t.Fatalf("issue: response %v for state %q", resp, r.Request.State)
	}
}

// fail follows a valid request with /fail.
func (fx *fuzzAuthz) fail(t *testing.T, r AuthorizationResult, reason string) {
	t.Helper()
	out, err := fx.e.AuthorizationFail(context.Background(), fx.svc, r.Ticket, reason, "")
	if err != nil {
		t.Fatalf("AuthorizationFail: %v", err)
	}
	fx.checkResult(t, out)
	if (out.Action != ActionLocation && out.Action != ActionForm) || out.ResultCode != resAuthzFailed.code {
		t.Fatalf("fail: %s %s (%s)", out.Action, out.ResultCode, out.ResultMessage)
	}
	resp := fx.checkResponse(t, out)
	if resp.Get("error") != failReasons[reason] || resp.Get("state") != r.Request.State {
		t.Fatalf("fail %s: response %v for state %q", reason, resp, r.Request.State)
	}
}

// checkResult checks what every answer must be: a documented action, a
// G004 result code and a message that names it, and for an error object a
// known OAuth error with an RFC 6749 description.
func (fx *fuzzAuthz) checkResult(t *testing.T, r AuthorizationResult) {
	t.Helper()
	switch r.Action {
	case ActionBadRequest, ActionLocation, ActionForm, ActionInteraction, ActionNoInteraction:
	default:
		t.Fatalf("undocumented action %q", r.Action)
	}
	if !fuzzResultCode.MatchString(r.ResultCode) || !strings.HasPrefix(r.ResultMessage, "["+r.ResultCode+"] ") {
		t.Fatalf("result %q, %q", r.ResultCode, r.ResultMessage)
	}
	if r.Action == ActionBadRequest {
		var e struct {
			Error       string `json:"error"`
			Description string `json:"error_description"`
		}
		if err := json.Unmarshal([]byte(r.ResponseContent), &e); err != nil || e.Error == "" {
			t.Fatalf("BAD_REQUEST responseContent %q: %v", r.ResponseContent, err)
		}
		fuzzCheckDescription(t, e.Description)
	}
}

// checkResponse checks a LOCATION or FORM answer and returns the response
// parameters it carries.
func (fx *fuzzAuthz) checkResponse(t *testing.T, r AuthorizationResult) url.Values {
	t.Helper()
	var resp url.Values
	switch r.Action {
	case ActionLocation:
		resp = fx.checkLocation(t, r.ResponseContent)
	case ActionForm:
		resp = fx.checkForm(t, r.ResponseContent)
	default:
		t.Fatalf("action %s, want LOCATION or FORM", r.Action)
	}
	for k, v := range resp {
		if !slices.Contains(fuzzResponseKeys, k) || len(v) != 1 {
			t.Fatalf("%s %q: response parameter %q = %q", r.Action, r.ResponseContent, k, v)
		}
	}
	if resp.Get("iss") != fuzzIssuer {
		t.Fatalf("%s %q: iss %q, want %q (RFC 9207)", r.Action, r.ResponseContent, resp.Get("iss"), fuzzIssuer)
	}
	fuzzCheckDescription(t, resp.Get("error_description"))
	return resp
}

// checkLocation requires loc to be a registered redirect URI followed by the
// response in its query or fragment.
func (fx *fuzzAuthz) checkLocation(t *testing.T, loc string) url.Values {
	t.Helper()
	for _, reg := range fx.redirect {
		rest, ok := strings.CutPrefix(loc, reg)
		if !ok {
			if rest, ok = loopbackRest(reg, loc); !ok {
				continue
			}
		}
		if rest == "" {
			continue
		}
		sep, tail := rest[0], rest[1:]
		switch {
		case sep == '#', sep == '?' && !strings.Contains(reg, "?"), sep == '&' && strings.Contains(reg, "?"):
		default:
			continue
		}
		if strings.ContainsAny(tail, "#") {
			t.Fatalf("LOCATION %q: a second fragment", loc)
		}
		resp, err := url.ParseQuery(tail)
		if err != nil {
			t.Fatalf("LOCATION %q: %v", loc, err)
		}
		return resp
	}
	t.Fatalf("LOCATION %q does not go to a registered redirect URI", loc)
	return nil
}

// loopbackRest matches loc against a loopback redirect URI on any port
// (RFC 8252 §7.3) and returns what follows the URI.
func loopbackRest(reg, loc string) (string, bool) {
	r, err := url.Parse(reg)
	if err != nil || r.Scheme != "http" || (r.Hostname() != "127.0.0.1" && r.Hostname() != "::1") {
		return "", false
	}
	i := strings.IndexAny(loc, "?#")
	if i < 0 {
		i = len(loc)
	}
	base, rest := loc[:i], loc[i:]
	b, err := url.Parse(base)
	if err != nil || b.Scheme != "http" || b.Hostname() != r.Hostname() || b.User != nil || b.EscapedPath() != r.EscapedPath() {
		return "", false
	}
	for _, c := range b.Port() {
		if c < '0' || c > '9' {
			return "", false
		}
	}
	return rest, true
}

// checkForm requires page to post to a registered redirect URI and returns
// the posted parameters.
func (fx *fuzzAuthz) checkForm(t *testing.T, page string) url.Values {
	t.Helper()
	m := fuzzFormAction.FindStringSubmatch(page)
	if m == nil || strings.Count(page, "<form") != 1 || strings.Count(page, "<script") != 1 {
		t.Fatalf("FORM page:\n%s", page)
	}
	action := html.UnescapeString(m[1])
	ok := fx.registered(action)
	if !ok {
		t.Fatalf("FORM posts to %q, not a registered redirect URI", action)
	}
	resp := url.Values{}
	for _, in := range fuzzFormInput.FindAllStringSubmatch(page, -1) {
		resp.Add(html.UnescapeString(in[1]), html.UnescapeString(in[2]))
	}
	if n := strings.Count(page, "<input"); n != len(fuzzFormInput.FindAllString(page, -1)) {
		t.Fatalf("FORM page has %d inputs, %d well-formed:\n%s", n, len(resp), page)
	}
	return resp
}

// registered reports whether uri is a redirect URI registered in the
// service, a loopback one on any port included.
func (fx *fuzzAuthz) registered(uri string) bool {
	for _, reg := range fx.redirect {
		if uri == reg {
			return true
		}
		if rest, ok := loopbackRest(reg, uri); ok && rest == "" {
			return true
		}
	}
	return false
}

// fuzzCheckDescription requires an error_description to use only the
// characters RFC 6749 §4.1.2.1 allows.
func fuzzCheckDescription(t *testing.T, d string) {
	t.Helper()
	for _, c := range []byte(d) {
		if c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			t.Fatalf("error_description %q has %q", d, c)
		}
	}
}
