package service

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// Modes of FuzzClientAssertion: where the assertion goes.
const (
	fuzzAssertClient       = iota // client_assertion of pkjwt
	fuzzAssertClientWithID        // the same, with pkjwt's client_id in the body
	fuzzAssertBearer              // JWT bearer assertion at the trusting service
	fuzzAssertRelayed             // JWT bearer assertion at the relaying service
	fuzzAssertModes
)

// fuzzB64 is base64url without padding, as in a compact JWS.
func fuzzB64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// fuzzAssertionSeeds are assertions valid and broken in every part; {now},
// {exp}, {sub} and {aud} stand for the engine's time, five minutes later,
// pkjwt's client ID and the issuer, in payloads signed by nobody.
func fuzzAssertionSeeds(fx *fuzzToken, tb testing.TB) []string {
	s := fx.svcs[0]
	pkjwt, basic := s.clients["pkjwt"], strconv.FormatInt(s.clients["basic"].ClientID, 10)
	claims := func(edit func(map[string]any)) map[string]any {
		cl := fx.assertionClaims(s, pkjwt)
		if edit != nil {
			edit(cl)
		}
		return cl
	}
	signed := func(edit func(map[string]any)) string { return fx.sign(tb, fx.clientKey, "pkjwt", claims(edit)) }
	valid := signed(nil)
	h, p, _ := strings.Cut(valid, ".")
	p, sig, _ := strings.Cut(p, ".")
	payload := `{"iss":"{sub}","sub":"{sub}","aud":"{aud}","iat":{now},"exp":{exp},"jti":"x"}`
	header := func(h string) string { return fuzzB64(h) + "." + fuzzB64(payload) + "." + sig }
	return []string{
		"{assertion}",
		valid,
		signed(func(cl map[string]any) { cl["sub"], cl["iss"] = "pkjwt", "pkjwt" }),
		signed(func(cl map[string]any) { cl["aud"] = []string{"https://elsewhere.example", s.svc.TokenEndpoint} }),
		fx.sign(tb, fx.clientKey, "", claims(nil)),
		fx.sign(tb, fx.clientKey, "other-kid", claims(nil)),
		fx.sign(tb, fx.strangeKey, "pkjwt", claims(nil)),
		signed(func(cl map[string]any) { cl["aud"] = "https://elsewhere.example" }),
		signed(func(cl map[string]any) { cl["exp"] = testNow.Add(-time.Hour).Unix() }),
		signed(func(cl map[string]any) { cl["exp"] = testNow.Add(2 * time.Hour).Unix() }),
		signed(func(cl map[string]any) { delete(cl, "exp") }),
		signed(func(cl map[string]any) { delete(cl, "jti") }),
		signed(func(cl map[string]any) { cl["jti"] = strings.Repeat("j", maxJTILength+1) }),
		signed(func(cl map[string]any) { cl["iss"] = "someone-else" }),
		signed(func(cl map[string]any) { cl["iat"] = testNow.Add(time.Hour).Unix() }),
		signed(func(cl map[string]any) { cl["nbf"] = testNow.Add(time.Hour).Unix() }),
		signed(func(cl map[string]any) { cl["exp"] = 1e300 }),
		signed(func(cl map[string]any) { cl["exp"] = -1e300 }),
		signed(func(cl map[string]any) { cl["exp"] = "soon" }),
		signed(func(cl map[string]any) { cl["sub"], cl["iss"] = basic, basic }),
		// Truncated and mutated.
		valid[:len(valid)-1],
		valid[:len(valid)/2],
		h + "." + p + ".",
		h + "." + p,
		h + "." + p + "." + sig + "." + sig,
		h + ".." + sig,
		strings.ToUpper(valid[:1]) + valid[1:],
		h + "=." + p + "." + sig,
		// Headers no one may use.
		header(`{"alg":"none"}`),
		header(`{"alg":"HS256","kid":"pkjwt"}`),
		header(`{"alg":"ES256","kid":"pkjwt","crit":["exp"]}`),
		header(`{"alg":"ES256","kid":"pkjwt","b64":false,"crit":["b64"]}`),
		header(`{"alg":"ES256","jwk":{"kty":"EC","crv":"P-256","x":"AA","y":"AA"}}`),
		header(`{"alg":"RS256","x5c":["MIIB"]}`),
		header(`{"alg":"ES256","kid":"pkjwt","alg":"none"}`),
		header(`[]`),
		header(`{"alg":"ES256","kid":` + strings.Repeat("[", 5000) + `}`),
		// Payloads no one may send.
		fuzzB64(`{"alg":"ES256","kid":"pkjwt"}`) + "." + fuzzB64(`[1,2]`) + "." + sig,
		fuzzB64(`{"alg":"ES256","kid":"pkjwt"}`) + "." + fuzzB64(`null`) + "." + sig,
		fuzzB64(`{"alg":"ES256","kid":"pkjwt"}`) + "." + fuzzB64(`{"sub":{"$ne":""}}`) + "." + sig,
		// Shapes that are not a compact JWS.
		"", ".", "..", "a.b.c", "a.b.c.d.e", "eyJ.eyJ.", "\x00.\xff.\n",
		`{"payload":"` + p + `","signatures":[{"protected":"` + h + `","signature":"` + sig + `"}]}`,
		strings.Repeat("A", maxAssertionSize) + ".b.c",
		h + "." + strings.Repeat("A", maxAssertionSize) + "." + sig,
		strings.Repeat("a.", 3000),
	}
}

// FuzzClientAssertion feeds arbitrary assertions to the token endpoint: as
// the client_assertion of a private_key_jwt client (RFC 7523 §2.2) and as
// the assertion of the JWT bearer grant (§2.1) at a service that verifies it
// and at one that relays it. Nothing may panic or fail; every outcome is a
// documented action; only an assertion the parsing helpers accept, naming
// the client and signed with its key, authenticates it. The helpers
// themselves (parseAssertion, assertionClientID, parseJWKS) are called on
// the same input.
func FuzzClientAssertion(f *testing.F) {
	fx := newFuzzToken(f)
	for _, s := range append(fuzzAssertionSeeds(fx, f), "{bearer}") {
		for mode := range uint8(fuzzAssertModes) {
			f.Add(s, mode)
		}
	}
	f.Fuzz(func(t *testing.T, raw string, mode uint8) {
		mode %= fuzzAssertModes
		s := fx.svcs[0]
		if mode == fuzzAssertBearer {
			s = fx.svcs[1]
		}
		pkjwt := s.clients["pkjwt"]
		now := strconv.FormatInt(testNow.Unix(), 10)
		assertion := fx.expand(t, s, strings.NewReplacer("{now}", now, "{exp}", strconv.FormatInt(testNow.Add(5*time.Minute).Unix(), 10),
			"{sub}", strconv.FormatInt(pkjwt.ClientID, 10), "{aud}", s.svc.Issuer).Replace(raw))

		// The helpers alone.
		sub, subErr := assertionClientID(assertion)
		tok, parseErr := parseAssertion(assertion)
		switch {
		case parseErr == nil && (len(tok.Headers) != 1 || !slices.Contains(assertionAlgs, jose.SignatureAlgorithm(tok.Headers[0].Algorithm))):
			t.Fatalf("parseAssertion accepted %d headers, alg %q", len(tok.Headers), tok.Headers[0].Algorithm)
		case parseErr != nil && subErr == nil:
			t.Fatalf("assertionClientID = %q for an assertion parseAssertion refuses: %v", sub, parseErr)
		case subErr == nil && sub == "":
			t.Fatal("assertionClientID accepted an empty sub")
		}
		if keys, err := parseJWKS([]byte(raw)); err == nil && len(keys) > maxJWKSKeys {
			t.Fatalf("parseJWKS returned %d keys", len(keys))
		}

		// Through the token endpoint.
		var req TokenRequest
		switch mode {
		case fuzzAssertClient, fuzzAssertClientWithID:
			req.Parameters = "grant_type=client_credentials" + fuzzAssertion + url.QueryEscape(assertion)
			if mode == fuzzAssertClientWithID {
				req.Parameters += "&client_id=" + strconv.FormatInt(pkjwt.ClientID, 10)
			}
		default:
			req.Parameters = fuzzJWTBearer + "&assertion=" + url.QueryEscape(assertion)
			req.ClientID, req.ClientSecret = "basic", url.QueryEscape(s.secrets["basic"])
		}
		fx.e.throttle = newAuthThrottle()
		start := time.Now()
		r, err := fx.e.Token(context.Background(), s.svc, req)
		if took := time.Since(start); took > fuzzMaxCall {
			t.Fatalf("Token took %v", took)
		}
		if err != nil {
			t.Fatalf("Token: %v", err)
		}
		checkTokenResult(t, s, req, r, mode == fuzzAssertBearer)
		switch {
		case mode <= fuzzAssertClientWithID && r.Action == ActionOK:
			// Authenticated: the helpers must agree, and the client is pkjwt.
			if subErr != nil || (sub != strconv.FormatInt(pkjwt.ClientID, 10) && sub != pkjwt.ClientIDAlias) || r.ClientID != pkjwt.ClientID {
				t.Fatalf("OK for client %d with assertion %q (sub %q, %v)", r.ClientID, assertion, sub, subErr)
			}
		case mode <= fuzzAssertClientWithID && r.Action != ActionInvalidClient && r.Action != ActionTooManyRequests &&
			r.ResultCode != resTokenMalformed.code:
			// Past authentication: the assertion was good.
			if subErr != nil || r.ClientID != 0 && r.ClientID != pkjwt.ClientID {
				t.Fatalf("%s %s after client assertion %q (sub %q, %v)", r.Action, r.ResultCode, assertion, sub, subErr)
			}
		case mode >= fuzzAssertBearer && r.Action == ActionInvalidClient:
			t.Fatalf("INVALID_CLIENT for a client with a good secret: %s", r.ResultMessage)
		case r.Action == ActionJWTBearer:
			var claims map[string]json.RawMessage
			if parseErr != nil || r.Assertion != assertion || json.Unmarshal([]byte(r.AssertionClaims), &claims) != nil {
				t.Fatalf("JWT_BEARER for assertion %q: %+v", assertion, r)
			}
		}
		if mode >= fuzzAssertBearer && r.Action == ActionOK && (parseErr != nil || r.Subject == "") {
			t.Fatalf("OK for JWT bearer assertion %q (%v): subject %q", assertion, parseErr, r.Subject)
		}
	})
}
