package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	authlete "github.com/authlete/authlete-go/api"
	"github.com/authlete/authlete-go/conf"
	"github.com/authlete/authlete-go/dto"
	"github.com/authlete/authlete-go/types"
	"github.com/go-jose/go-jose/v4"
)

// authleteClientBody is a public client that uses the authorization code
// with PKCE, reached by its numeric client ID.
const authleteClientBody = `{"clientName":"Authlete SPA","clientType":"PUBLIC","redirectUris":["https://spa.example/cb"]}`

// authleteFixture is the real router behind a real HTTP server, with a
// service and two clients created through the management API, and an
// unchanged authlete-go client configured for that service.
type authleteFixture struct {
	*rtFixture
	spa clientJSON
	sdk authlete.AuthleteApi
}

func newAuthleteFixture(t *testing.T) *authleteFixture {
	t.Helper()
	f := newRTFixture(t, nil)
	// Every call authlete-go makes, and every answer, is held against
	// openapi.yaml on its way through.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("read %s: %v", r.URL, err)
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec := httptest.NewRecorder()
		f.m.e.ServeHTTP(rec, r)
		checkContract(t, r, body, rec)
		maps.Copy(w.Header(), rec.Header())
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	}))
	t.Cleanup(srv.Close)

	cfg := &conf.AuthleteSimpleConfiguration{}
	cfg.SetBaseUrl(srv.URL)
	cfg.SetServiceApiKey(f.key)
	cfg.SetServiceApiSecret(f.secret)
	client := authlete.New(cfg)
	client.Settings().Timeout = 10 * time.Second
	return &authleteFixture{rtFixture: f, spa: f.m.newClient(f.key, f.secret, authleteClientBody), sdk: client}
}

// authorize runs /auth/authorization through authlete-go and requires an
// INTERACTION.
func (f *authleteFixture) authorize(t *testing.T, parameters string) *dto.AuthorizationResponse {
	t.Helper()
	res, err := f.sdk.Authorization(&dto.AuthorizationRequest{Parameters: parameters})
	if err != nil {
		t.Fatalf("authlete-go Authorization: %v (cause %v)", err, err.Cause)
	}
	if res.Action != dto.AuthorizationAction_INTERACTION || res.ResultCode != "G004001" || res.Ticket == "" {
		t.Fatalf("Authorization = action %s, %s, ticket %q", res.Action, res.ResultMessage, res.Ticket)
	}
	if res.Service.ApiKey != uint64(f.apiKey) || res.Service.Issuer != rtIssuer || res.Service.ServiceName != "Shop" {
		t.Errorf("service = %+v", res.Service)
	}
	return res
}

// jwtClaims verifies an ID token with the service's published keys and
// returns its claims.
func (f *authleteFixture) jwtClaims(t *testing.T, raw string) map[string]any {
	t.Helper()
	var set jose.JSONWebKeySet
	f.m.expect(f.m.call(http.MethodGet, "/api/service/jwks/get", f.key, f.secret, "", ""), http.StatusOK, &set)
	tok, err := jose.ParseSignedCompact(raw, []jose.SignatureAlgorithm{jose.RS256, jose.ES256})
	if err != nil {
		t.Fatalf("ID token: %v", err)
	}
	keys := set.Key(tok.Signatures[0].Header.KeyID)
	if len(keys) != 1 {
		t.Fatalf("ID token kid %q: %d published keys", tok.Signatures[0].Header.KeyID, len(keys))
	}
	payload, err := tok.Verify(keys[0])
	if err != nil {
		t.Fatalf("ID token signature: %v", err)
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	return claims
}

// TestAuthleteGoClient proves that an unchanged Authlete client SDK
// (github.com/authlete/authlete-go, pinned in go.mod) works against
// Gatehouse: its requests are accepted and every answer decodes into its
// DTOs with the right values.
func TestAuthleteGoClient(t *testing.T) {
	f := newAuthleteFixture(t)
	spaID := strconv.FormatInt(f.spa.ClientID, 10)

	t.Run("code flow", func(t *testing.T) {
		verifier := strings.Repeat("v", 43)
		params := url.Values{
			"response_type": {"code"}, "client_id": {spaID}, "redirect_uri": {"https://spa.example/cb"},
			"scope": {"openid profile"}, "state": {"s-code"}, "prompt": {"consent"}, "display": {"touch"},
			"max_age": {"300"}, "login_hint": {"ada"}, "ui_locales": {"de"}, "acr_values": {"urn:acr:mfa"},
			"code_challenge": {rtS256(verifier)}, "code_challenge_method": {"S256"},
		}.Encode()
		res := f.authorize(t, params)
		c := res.Client
		if c.ClientId != uint64(f.spa.ClientID) || c.ClientName != "Authlete SPA" || c.ClientType != types.ClientType_PUBLIC ||
			c.ApplicationType != types.ApplicationType_WEB || c.ClientIdAlias != "" || res.ClientIdAliasUsed {
			t.Errorf("client = %+v, clientIdAliasUsed %v", c, res.ClientIdAliasUsed)
		}
		var scopes []string
		for _, s := range res.Scopes {
			scopes = append(scopes, s.Name)
		}
		if !slices.Equal(scopes, []string{"openid", "profile"}) || res.Scopes[0].Description != "Sign you in" {
			t.Errorf("scopes = %+v", res.Scopes)
		}
		if !slices.Equal(res.Prompts, []types.Prompt{types.Prompt_CONSENT}) || res.Display != types.Display_TOUCH || res.MaxAge != 300 ||
			res.LoginHint != "ada" || !slices.Equal(res.UiLocales, []string{"de"}) || !slices.Equal(res.Acrs, []string{"urn:acr:mfa"}) ||
			!slices.Contains(res.Claims, "name") || res.ResponseContent != "" {
			t.Errorf("request details = %+v", res)
		}

		issued, err := f.sdk.AuthorizationIssue(&dto.AuthorizationIssueRequest{
			Ticket:     res.Ticket,
			Subject:    "ada",
			AuthTime:   uint64(time.Now().Add(-time.Minute).Unix()),
			Acr:        "urn:acr:mfa",
			Claims:     `{"name":"Ada Lovelace"}`,
			Properties: []dto.Property{{Key: "plan", Value: "gold", Hidden: true}},
			Scopes:     []string{"openid"},
			// Authlete features Gatehouse does not have: ignored, not refused.
			ConsentedClaims: []string{"name"},
			IdTokenAudType:  types.IdTokenAudType("array"),
		})
		if err != nil {
			t.Fatalf("authlete-go AuthorizationIssue: %v (cause %v)", err, err.Cause)
		}
		if issued.Action != dto.AuthorizationIssueAction_LOCATION || issued.ResultCode != "G004003" || issued.AuthorizationCode == "" {
			t.Fatalf("AuthorizationIssue = %+v", issued)
		}
		loc, perr := url.Parse(issued.ResponseContent)
		if perr != nil || loc.Scheme+"://"+loc.Host+loc.Path != "https://spa.example/cb" || loc.Fragment != "" {
			t.Fatalf("responseContent = %q", issued.ResponseContent)
		}
		q := loc.Query()
		if q.Get("code") != issued.AuthorizationCode || q.Get("state") != "s-code" || q.Get("iss") != rtIssuer {
			t.Errorf("redirect parameters = %v", q)
		}
		if issued.IdToken != "" || issued.AccessToken != "" {
			t.Errorf("a code response carries tokens: %+v", issued)
		}

		// The code is redeemed through authlete-go's Token API, as a
		// frontend's token endpoint would.
		tokenParams := url.Values{"grant_type": {"authorization_code"}, "code": {issued.AuthorizationCode},
			"redirect_uri": {"https://spa.example/cb"}, "code_verifier": {verifier}, "client_id": {spaID}}.Encode()
		tok, err := f.sdk.Token(&dto.TokenRequest{Parameters: tokenParams})
		if err != nil {
			t.Fatalf("authlete-go Token: %v (cause %v)", err, err.Cause)
		}
		if tok.Action != dto.TokenAction_OK || tok.ResultCode != "G005001" || tok.AccessToken == "" || tok.IdToken == "" ||
			tok.Subject != "ada" || tok.ClientId != uint64(f.spa.ClientID) || tok.GrantType != types.GrantType_AUTHORIZATION_CODE {
			t.Fatalf("Token = %+v", tok)
		}
		again, err := f.sdk.Token(&dto.TokenRequest{Parameters: tokenParams})
		if err != nil {
			t.Fatalf("authlete-go Token (reuse): %v", err)
		}
		if again.Action != dto.TokenAction_BAD_REQUEST || !strings.Contains(again.ResponseContent, "invalid_grant") {
			t.Errorf("a reused code = %+v", again)
		}
		bad, err := f.sdk.Token(&dto.TokenRequest{Parameters: "grant_type=client_credentials", ClientId: "web", ClientSecret: "wrong"})
		if err != nil {
			t.Fatalf("authlete-go Token (bad secret): %v", err)
		}
		if bad.Action != dto.TokenAction_INVALID_CLIENT {
			t.Errorf("a wrong secret = %+v", bad)
		}
	})

	t.Run("code id_token flow", func(t *testing.T) {
		params := url.Values{
			"response_type": {"code id_token"}, "client_id": {"web"}, "redirect_uri": {rtRedirectURI},
			"scope": {"openid"}, "state": {"s-hybrid"}, "nonce": {"n-hybrid"},
		}.Encode()
		res := f.authorize(t, params)
		if res.Client.ClientId != uint64(f.client.ClientID) || res.Client.ClientIdAlias != "web" || !res.Client.ClientIdAliasEnabled ||
			res.Client.ClientType != types.ClientType_CONFIDENTIAL || !res.ClientIdAliasUsed || res.Client.LogoUri != "https://shop.example/logo.png" {
			t.Errorf("client = %+v, clientIdAliasUsed %v", res.Client, res.ClientIdAliasUsed)
		}

		authTime := time.Now().Add(-time.Minute).Unix()
		issued, err := f.sdk.AuthorizationIssue(&dto.AuthorizationIssueRequest{Ticket: res.Ticket, Subject: "ada", AuthTime: uint64(authTime)})
		if err != nil {
			t.Fatalf("authlete-go AuthorizationIssue: %v (cause %v)", err, err.Cause)
		}
		if issued.Action != dto.AuthorizationIssueAction_LOCATION || issued.AuthorizationCode == "" || issued.IdToken == "" {
			t.Fatalf("AuthorizationIssue = %+v", issued)
		}
		base, fragment, ok := strings.Cut(issued.ResponseContent, "#")
		if !ok || base != rtRedirectURI {
			t.Fatalf("responseContent %q: want the response in the fragment of %s", issued.ResponseContent, rtRedirectURI)
		}
		v, perr := url.ParseQuery(fragment)
		if perr != nil || v.Get("code") != issued.AuthorizationCode || v.Get("id_token") != issued.IdToken ||
			v.Get("state") != "s-hybrid" || v.Get("iss") != rtIssuer {
			t.Errorf("fragment = %v (%v)", v, perr)
		}
		claims := f.jwtClaims(t, issued.IdToken)
		aud := "web" // the request named the client by its alias
		if claims["iss"] != rtIssuer || claims["sub"] != "ada" || claims["nonce"] != "n-hybrid" ||
			claims["c_hash"] != rtHalfHash(issued.AuthorizationCode) || claims["auth_time"] != float64(authTime) ||
			!(claims["aud"] == aud || slices.Contains(anySlice(claims["aud"]), any(aud))) {
			t.Errorf("ID token claims = %v", claims)
		}
	})

	t.Run("fail DENIED", func(t *testing.T) {
		res := f.authorize(t, rtParams("state", "s-deny"))
		failed, err := f.sdk.AuthorizationFail(&dto.AuthorizationFailRequest{
			Ticket: res.Ticket, Reason: dto.AuthorizationFailReason_DENIED, Description: "the end-user said no",
		})
		if err != nil {
			t.Fatalf("authlete-go AuthorizationFail: %v (cause %v)", err, err.Cause)
		}
		if failed.Action != dto.AuthorizationFailAction_LOCATION || failed.ResultCode != "G004004" {
			t.Fatalf("AuthorizationFail = %+v", failed)
		}
		q := rtRedirect(t, failed.ResponseContent, false)
		if q.Get("error") != "access_denied" || q.Get("state") != "s-deny" || !strings.Contains(q.Get("error_description"), "the end-user said no") {
			t.Errorf("redirect parameters = %v", q)
		}
	})

	t.Run("errors decode too", func(t *testing.T) {
		res, err := f.sdk.Authorization(&dto.AuthorizationRequest{Parameters: "response_type=code&client_id=nobody"})
		if err != nil {
			t.Fatalf("authlete-go Authorization: %v", err)
		}
		if res.Action != dto.AuthorizationAction_BAD_REQUEST || res.ResultCode != "G004303" || !strings.Contains(res.ResponseContent, "invalid_client") {
			t.Errorf("Authorization = %+v", res)
		}
		issued, err := f.sdk.AuthorizationIssue(&dto.AuthorizationIssueRequest{Ticket: "unknown", Subject: "ada"})
		if err != nil {
			t.Fatalf("authlete-go AuthorizationIssue: %v", err)
		}
		if issued.Action != dto.AuthorizationIssueAction_BAD_REQUEST || issued.ResultCode != "G004201" {
			t.Errorf("AuthorizationIssue = %+v", issued)
		}
	})

	// Every reason authlete-go can send is answered with an error redirect.
	t.Run("fail reasons of authlete-go", func(t *testing.T) {
		for _, reason := range []dto.AuthorizationFailReason{
			dto.AuthorizationFailReason_UNKNOWN, dto.AuthorizationFailReason_NOT_LOGGED_IN,
			dto.AuthorizationFailReason_MAX_AGE_NOT_SUPPORTED, dto.AuthorizationFailReason_EXCEEDS_MAX_AGE,
			dto.AuthorizationFailReason_DIFFERENT_SUBJECT, dto.AuthorizationFailReason_ACR_NOT_SATISFIED,
			dto.AuthorizationFailReason_DENIED, dto.AuthorizationFailReason_SERVER_ERROR,
			dto.AuthorizationFailReason_NOT_AUTHENTICATED, dto.AuthorizationFailReason_ACCOUNT_SELECTION_REQUIRED,
			dto.AuthorizationFailReason_CONSENT_REQUIRED, dto.AuthorizationFailReason_INTERACTION_REQUIRED,
			dto.AuthorizationFailReason_INVALID_TARGET,
		} {
			res := f.authorize(t, rtParams())
			failed, err := f.sdk.AuthorizationFail(&dto.AuthorizationFailRequest{Ticket: res.Ticket, Reason: reason})
			if err != nil {
				t.Fatalf("%s: authlete-go AuthorizationFail: %v", reason, err)
			}
			if failed.Action != dto.AuthorizationFailAction_LOCATION {
				t.Errorf("%s: AuthorizationFail = %+v", reason, failed)
			} else if q := rtRedirect(t, failed.ResponseContent, false); q.Get("error") == "" {
				t.Errorf("%s: no error in %q", reason, failed.ResponseContent)
			}
		}
	})
}

// rtS256 is the S256 code challenge of a verifier (RFC 7636 §4.2).
func rtS256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// rtHalfHash is the c_hash of a code (OIDC Core §3.3.2.11, RS256).
func rtHalfHash(code string) string {
	sum := sha256.Sum256([]byte(code))
	return base64.RawURLEncoding.EncodeToString(sum[:len(sum)/2])
}

func anySlice(v any) []any {
	s, _ := v.([]any)
	return s
}
