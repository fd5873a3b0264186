package main

import (
	"crypto/rand"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// TestFrontendEndToEnd runs frontend-example over the engine (see
// startFrontendBed) and drives it as relying parties and browsers do.
func TestFrontendEndToEnd(t *testing.T) {
	b := startFrontendBed(t)
	ctx := t.Context()

	provider, err := oidc.NewProvider(ctx, b.issuer)
	if err != nil {
		t.Fatalf("discovery through the frontend: %v", err)
	}
	conf := b.webClient(provider, oidc.ScopeOpenID, "profile", "email", "address")
	// The relying party knows itself as the client_id it sends, the alias.
	verifier := provider.Verifier(&oidc.Config{ClientID: "demo-web"})

	t.Run("discovery", func(t *testing.T) {
		var doc map[string]any
		if err := provider.Claims(&doc); err != nil {
			t.Fatal(err)
		}
		for field, path := range map[string]string{
			"authorization_endpoint": "/authorize", "token_endpoint": "/token", "userinfo_endpoint": "/userinfo",
			"jwks_uri": "/jwks", "revocation_endpoint": "/revoke", "introspection_endpoint": "/introspect",
		} {
			if doc[field] != b.issuer+path {
				t.Errorf("%s = %v, want %s", field, doc[field], b.issuer+path)
			}
		}
	})

	// The session of john's browser, and the tokens of its first sign-in,
	// for the subtests after this one.
	ua := newUserAgent(t, b.issuer)
	var first *oauth2.Token
	var firstAuthTime time.Time

	t.Run("code flow with PKCE, login and consent pages", func(t *testing.T) {
		pkce, state, nonce := oauth2.GenerateVerifier(), rand.Text(), rand.Text()
		authURL := conf.AuthCodeURL(state, oauth2.S256ChallengeOption(pkce), oidc.Nonce(nonce))

		// The authorization request starts a session and goes to the login
		// page; the session cookie is HttpOnly and SameSite=Lax.
		p := ua.get(authURL)
		loginURL := p.redirect(t, http.StatusSeeOther)
		if loginURL.Path != "/login" {
			t.Fatalf("redirected to %s, want the login page", loginURL)
		}
		var cookie *http.Cookie
		for _, c := range p.Cookies() {
			if c.Name == "frontend-session" {
				cookie = c
			}
		}
		if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode || cookie.Path != "/" || cookie.Secure {
			t.Fatalf("session cookie %+v: want HttpOnly, SameSite=Lax, Path=/ (not Secure on http)", cookie)
		}
		login := ua.get(loginURL.String())
		wantPageHeaders(t, "login page", login)
		for _, want := range []string{`name="username"`, `name="password"`, `type="submit"`, "Demo Web App"} {
			if !strings.Contains(login.body, want) {
				t.Errorf("login page lacks %s", want)
			}
		}
		csrf, i := login.form(t)
		creds := func(csrf, password string) url.Values {
			return url.Values{"csrf": {csrf}, "i": {i}, "username": {"john"}, "password": {password}, "action": {"login"}}
		}

		// Forms without this session's CSRF token are refused, and change
		// nothing.
		before := ua.session()
		for name, token := range map[string]string{"no token": "", "another token": strings.Repeat("A", len(csrf))} {
			if p := ua.post("/login", creds(token, "john")); p.StatusCode != http.StatusForbidden || p.Header.Get("Location") != "" {
				t.Errorf("login with %s: %s, Location %q; want 403 and no redirect", name, p.Status, p.Header.Get("Location"))
			}
		}
		// Another browser cannot finish this one's request: its session
		// does not hold it.
		other := newUserAgent(t, b.issuer)
		otherCSRF, _ := other.get(other.signInPage(t, conf)).form(t)
		if p := other.post("/login", url.Values{"csrf": {otherCSRF}, "i": {i}, "username": {"jane"}, "password": {"jane"}}); p.StatusCode != http.StatusBadRequest {
			t.Errorf("another session posting this request's id: %s, want 400", p.Status)
		}
		// A wrong password shows the login page again.
		if loc := ua.post("/login", creds(csrf, "wrong")).redirect(t, http.StatusSeeOther); loc.String() != loginURL.String() {
			t.Errorf("wrong password redirected to %s, want the login page again", loc)
		}
		if p := ua.get(loginURL.String()); !strings.Contains(p.body, `id="login-error"`) {
			t.Errorf("the login page after a wrong password shows no error:\n%s", p.body)
		}
		if ua.session() != before {
			t.Error("a failed login changed the session id")
		}

		// A good login replaces the session (session fixation): the old id
		// is worth nothing afterwards.
		consentURL := ua.post("/login", creds(csrf, "john")).redirect(t, http.StatusSeeOther)
		if consentURL.Path != "/consent" {
			t.Fatalf("login redirected to %s, want the consent page", consentURL)
		}
		after := ua.session()
		if after == "" || after == before {
			t.Fatalf("session id %q after login, %q before: want a new one", after, before)
		}
		ua.setSession(before)
		if p := ua.get(consentURL.String()); p.StatusCode != http.StatusBadRequest {
			t.Errorf("the pre-login session id still opens the consent page: %s", p.Status)
		}
		ua.setSession(after)

		consent := ua.get(consentURL.String())
		wantPageHeaders(t, "consent page", consent)
		for _, want := range []string{"Demo Web App", "John Smith", "Your email address", "Your postal address",
			`name="decision" value="approve"`, `name="decision" value="deny"`} {
			if !strings.Contains(consent.body, want) {
				t.Errorf("consent page lacks %s", want)
			}
		}
		consentCSRF, _ := consent.form(t)
		if consentCSRF == csrf {
			t.Error("the CSRF token survived the login")
		}
		if p := ua.post("/consent", url.Values{"csrf": {csrf}, "i": {i}, "decision": {"approve"}}); p.StatusCode != http.StatusForbidden {
			t.Errorf("consent with the pre-login CSRF token: %s, want 403", p.Status)
		}

		// Approval: 303 (never 307) back to the client with the code.
		q := b.callback(t, ua.post("/consent", url.Values{"csrf": {consentCSRF}, "i": {i}, "decision": {"approve"}}).redirect(t, http.StatusSeeOther),
			conf.RedirectURL, state)
		tok, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(pkce))
		if err != nil {
			t.Fatalf("exchange: %v", err)
		}
		rawID, _ := tok.Extra("id_token").(string)
		if tok.AccessToken == "" || tok.RefreshToken == "" || rawID == "" {
			t.Fatalf("token response %+v: want access, refresh and ID tokens", tok)
		}
		// The ID token verifies with the keys of the frontend's /jwks, and
		// carries the claims the scopes asked for, and only those.
		idt, err := verifier.Verify(ctx, rawID)
		if err != nil {
			t.Fatalf("ID token: %v", err)
		}
		var claims struct {
			Name          string         `json:"name"`
			Email         string         `json:"email"`
			EmailVerified *bool          `json:"email_verified"`
			Address       map[string]any `json:"address"`
			Phone         *string        `json:"phone_number"`
			AuthTime      int64          `json:"auth_time"`
		}
		if err := idt.Claims(&claims); err != nil {
			t.Fatal(err)
		}
		if idt.Subject != "john" || idt.Nonce != nonce || claims.Name != "John Smith" || claims.Email != "john@example.com" ||
			claims.EmailVerified == nil || !*claims.EmailVerified || claims.Address["locality"] != "London" {
			t.Errorf("ID token sub %q nonce %q claims %+v: want john's profile, email and address", idt.Subject, idt.Nonce, claims)
		}
		if claims.Phone != nil {
			t.Errorf("ID token has phone_number %q, which no scope asked for", *claims.Phone)
		}
		if since := time.Since(time.Unix(claims.AuthTime, 0)); since < 0 || since > time.Minute {
			t.Errorf("auth_time %d is not the login just now", claims.AuthTime)
		}
		if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
			t.Errorf("at_hash: %v", err)
		}
		first, firstAuthTime = tok, time.Unix(claims.AuthTime, 0)
	})
	if first == nil {
		t.Fatal("no sign-in: the other subtests need one")
	}

	t.Run("userinfo, the demo API and introspection", func(t *testing.T) {
		info, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(first))
		if err != nil {
			t.Fatalf("userinfo through the frontend: %v", err)
		}
		var extra struct {
			Name    string         `json:"name"`
			Address map[string]any `json:"address"`
		}
		if err := info.Claims(&extra); err != nil {
			t.Fatal(err)
		}
		if info.Subject != "john" || info.Email != "john@example.com" || !info.EmailVerified || extra.Name != "John Smith" || extra.Address["country"] != "GB" {
			t.Errorf("userinfo %+v %+v: want john's claims", info, extra)
		}

		// The resources answer only with a good token (RFC 6750 §3).
		for _, path := range []string{"/api/time", "/api/me"} {
			resp, _ := b.api(t, path, "")
			if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer ") {
				t.Errorf("%s without a token: %s, WWW-Authenticate %q; want 401 with a Bearer challenge", path, resp.Status, resp.Header.Get("WWW-Authenticate"))
			}
			resp, _ = b.api(t, path, "not-a-token")
			if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(resp.Header.Get("WWW-Authenticate"), `error="invalid_token"`) {
				t.Errorf("%s with a bad token: %s, WWW-Authenticate %q; want 401 invalid_token", path, resp.Status, resp.Header.Get("WWW-Authenticate"))
			}
		}
		resp, got := b.api(t, "/api/time", first.AccessToken)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("/api/time: %s", resp.Status)
		}
		if at, err := time.Parse(time.RFC3339, fmt.Sprint(got["time"])); err != nil || time.Since(at).Abs() > time.Minute {
			t.Errorf("/api/time answered %v, want the time", got)
		}
		resp, got = b.api(t, "/api/me", first.AccessToken)
		if scopes, _ := got["scopes"].([]any); resp.StatusCode != http.StatusOK || got["subject"] != "john" || !slices.Contains(scopes, any("profile")) {
			t.Errorf("/api/me: %s %v, want john and his scopes", resp.Status, got)
		}

		// RFC 7662 through the frontend, for known resource servers only.
		if got := b.introspect(t, first.AccessToken); got["active"] != true || got["sub"] != "john" {
			t.Errorf("introspection of a good token: %v", got)
		}
		for name, creds := range map[string][2]string{"none": {}, "a wrong secret": {feRSID, "wrong"}, "a client's": {"demo-web", demoWebClientSecret}} {
			req, _ := http.NewRequest(http.MethodPost, b.issuer+"/introspect", strings.NewReader("token="+url.QueryEscape(first.AccessToken)))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if creds[0] != "" {
				req.SetBasicAuth(creds[0], creds[1])
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Basic ") {
				t.Errorf("introspection with %s credentials: %s, want 401 with a Basic challenge", name, resp.Status)
			}
		}
	})

	t.Run("refresh and revocation", func(t *testing.T) {
		// Its own grant, so that revoking it leaves first alone.
		tok := b.silentSignIn(t, ua, conf)
		stale := *tok
		stale.Expiry = time.Now().Add(-time.Minute)
		fresh, err := conf.TokenSource(ctx, &stale).Token()
		if err != nil {
			t.Fatalf("refresh: %v", err)
		}
		if fresh.AccessToken == tok.AccessToken || fresh.RefreshToken == "" || fresh.RefreshToken == tok.RefreshToken {
			t.Fatalf("refresh answered %+v: want new, rotated tokens", fresh)
		}
		if resp, _ := b.api(t, "/api/me", fresh.AccessToken); resp.StatusCode != http.StatusOK {
			t.Errorf("/api/me with the refreshed token: %s", resp.Status)
		}

		revoke := func(token string) {
			t.Helper()
			req, _ := http.NewRequest(http.MethodPost, b.issuer+"/revoke", strings.NewReader(url.Values{"token": {token}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.SetBasicAuth(conf.ClientID, conf.ClientSecret)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("revocation: %s", resp.Status)
			}
		}
		revoke(fresh.AccessToken)
		if got := b.introspect(t, fresh.AccessToken); got["active"] != false {
			t.Errorf("introspection of a revoked token: %v, want inactive", got)
		}
		if _, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(fresh)); err == nil {
			t.Error("userinfo accepted a revoked token")
		}
		if resp, _ := b.api(t, "/api/time", fresh.AccessToken); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("/api/time with a revoked token: %s, want 401", resp.Status)
		}
		revoke(fresh.RefreshToken)
		stale.RefreshToken = fresh.RefreshToken
		_, err = conf.TokenSource(ctx, &stale).Token()
		wantOAuthError(t, "a revoked refresh token", err, "invalid_grant", http.StatusBadRequest)
	})

	t.Run("prompt=none with a session", func(t *testing.T) {
		pkce, state := oauth2.GenerateVerifier(), rand.Text()
		loc := ua.get(conf.AuthCodeURL(state, oauth2.S256ChallengeOption(pkce), oauth2.SetAuthURLParam("prompt", "none"))).redirect(t, http.StatusFound)
		q := b.callback(t, loc, conf.RedirectURL, state)
		if q.Get("code") == "" {
			t.Fatalf("prompt=none with a session and consent: %v, want a code", q)
		}
		tok, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(pkce))
		if err != nil {
			t.Fatalf("exchange: %v", err)
		}
		idt, err := verifier.Verify(ctx, tok.Extra("id_token").(string))
		if err != nil {
			t.Fatal(err)
		}
		var c struct {
			AuthTime int64 `json:"auth_time"`
		}
		_ = idt.Claims(&c)
		if idt.Subject != "john" || c.AuthTime != firstAuthTime.Unix() {
			t.Errorf("silent sign-in: sub %q auth_time %d, want john and the login's auth_time %d", idt.Subject, c.AuthTime, firstAuthTime.Unix())
		}

		for _, tc := range []struct {
			name string
			opts []oauth2.AuthCodeOption
			want string
		}{
			{"max_age=0", []oauth2.AuthCodeOption{oauth2.SetAuthURLParam("max_age", "0")}, "login_required"},
			{"a scope not consented to", []oauth2.AuthCodeOption{oauth2.SetAuthURLParam("scope", "openid phone")}, "consent_required"},
			{"another user's id_token_hint", []oauth2.AuthCodeOption{oauth2.SetAuthURLParam("id_token_hint", b.janeIDToken(t, conf))}, "login_required"},
		} {
			state := rand.Text()
			opts := append([]oauth2.AuthCodeOption{oauth2.S256ChallengeOption(oauth2.GenerateVerifier()), oauth2.SetAuthURLParam("prompt", "none")}, tc.opts...)
			q := b.callback(t, ua.get(conf.AuthCodeURL(state, opts...)).redirect(t, http.StatusFound), conf.RedirectURL, state)
			if q.Get("error") != tc.want || q.Has("code") {
				t.Errorf("prompt=none with %s: %v, want %s", tc.name, q, tc.want)
			}
		}

		// prompt=login and max_age=0 show the login page despite the session.
		for _, opt := range []oauth2.AuthCodeOption{oauth2.SetAuthURLParam("prompt", "login"), oauth2.SetAuthURLParam("max_age", "0")} {
			if loc := ua.get(conf.AuthCodeURL(rand.Text(), oauth2.S256ChallengeOption(oauth2.GenerateVerifier()), opt)).redirect(t, http.StatusSeeOther); loc.Path != "/login" {
				t.Errorf("re-authentication asked for, redirected to %s, want the login page", loc)
			}
		}
	})

	t.Run("prompt=none without a session", func(t *testing.T) {
		state := rand.Text()
		stranger := newUserAgent(t, b.issuer)
		loc := stranger.get(conf.AuthCodeURL(state, oauth2.S256ChallengeOption(oauth2.GenerateVerifier()), oauth2.SetAuthURLParam("prompt", "none"))).redirect(t, http.StatusFound)
		if q := b.callback(t, loc, conf.RedirectURL, state); q.Get("error") != "login_required" || q.Has("code") {
			t.Errorf("prompt=none without a session: %v, want login_required", q)
		}
	})

	t.Run("the end-user denies or cancels", func(t *testing.T) {
		for decision, cancel := range map[string]bool{"deny at consent": false, "cancel at login": true} {
			state := rand.Text()
			jane := newUserAgent(t, b.issuer)
			// jane may have consented before: prompt=consent asks again.
			authURL := conf.AuthCodeURL(state, oauth2.S256ChallengeOption(oauth2.GenerateVerifier()), oauth2.SetAuthURLParam("prompt", "consent"))
			var loc *url.URL
			if cancel {
				csrf, i := jane.get(jane.get(authURL).redirect(t, http.StatusSeeOther).String()).form(t)
				loc = jane.post("/login", url.Values{"csrf": {csrf}, "i": {i}, "action": {"cancel"}}).redirect(t, http.StatusSeeOther)
			} else {
				loc = jane.signIn(authURL, "jane", "jane", "deny")
			}
			if q := b.callback(t, loc, conf.RedirectURL, state); q.Get("error") != "access_denied" || q.Has("code") {
				t.Errorf("%s: %v, want access_denied", decision, q)
			}
		}
	})

	t.Run("code reuse", func(t *testing.T) {
		pkce, state := oauth2.GenerateVerifier(), rand.Text()
		q := b.callback(t, ua.get(conf.AuthCodeURL(state, oauth2.S256ChallengeOption(pkce))).redirect(t, http.StatusFound), conf.RedirectURL, state)
		tok, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(pkce))
		if err != nil {
			t.Fatalf("exchange: %v", err)
		}
		_, err = conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(pkce))
		wantOAuthError(t, "the code's second redemption", err, "invalid_grant", http.StatusBadRequest)
		// RFC 6749 §4.1.2: what the code gave is revoked.
		if got := b.introspect(t, tok.AccessToken); got["active"] != false {
			t.Errorf("the access token of a replayed code is still active: %v", got)
		}
		_, err = refresh(t, conf, tok.RefreshToken)
		wantOAuthError(t, "the refresh token of a replayed code", err, "invalid_grant", http.StatusBadRequest)
	})

	t.Run("client credentials", func(t *testing.T) {
		cc := clientcredentials.Config{ClientID: conf.ClientID, ClientSecret: conf.ClientSecret, TokenURL: conf.Endpoint.TokenURL, AuthStyle: oauth2.AuthStyleInHeader}
		tok, err := cc.Token(ctx)
		if err != nil {
			t.Fatalf("client credentials: %v", err)
		}
		if resp, got := b.api(t, "/api/time", tok.AccessToken); resp.StatusCode != http.StatusOK || got["time"] == nil {
			t.Errorf("/api/time with a client's token: %s %v", resp.Status, got)
		}
		// /api/me needs the profile scope, which no client token has.
		if resp, _ := b.api(t, "/api/me", tok.AccessToken); resp.StatusCode != http.StatusForbidden ||
			!strings.Contains(resp.Header.Get("WWW-Authenticate"), `error="insufficient_scope"`) {
			t.Errorf("/api/me with a client's token: %s, WWW-Authenticate %q; want 403 insufficient_scope", resp.Status, resp.Header.Get("WWW-Authenticate"))
		}
		if got := b.introspect(t, tok.AccessToken); got["active"] != true || got["client_id"] == nil {
			t.Errorf("introspection of a client's token: %v", got)
		}
		cc.ClientSecret += "x"
		_, err = cc.Token(ctx)
		wantOAuthError(t, "a wrong client secret", err, "invalid_client", http.StatusUnauthorized)
	})

	t.Run("bad authorization requests are error pages, never redirects", func(t *testing.T) {
		stranger := newUserAgent(t, b.issuer)
		good := url.Values{"response_type": {"code"}, "client_id": {"demo-web"}, "redirect_uri": {conf.RedirectURL}, "scope": {"openid"}}
		for name, change := range map[string]url.Values{
			"unknown client":           {"client_id": {"no-such-client"}},
			"unregistered redirect":    {"redirect_uri": {"https://attacker.example/cb"}},
			"redirect of another port": {"redirect_uri": {"http://127.0.0.1:1/callback"}},
		} {
			q := url.Values{}
			for k, v := range good {
				q[k] = v
			}
			for k, v := range change {
				q[k] = v
			}
			p := stranger.get("/authorize?" + q.Encode())
			if p.StatusCode != http.StatusBadRequest || p.Header.Get("Location") != "" {
				t.Errorf("%s: %s, Location %q; want 400 and no redirect", name, p.Status, p.Header.Get("Location"))
			}
			wantPageHeaders(t, name, p)
			if !strings.Contains(p.body, `id="error-code"`) {
				t.Errorf("%s: the page shows no error code:\n%s", name, p.body)
			}
		}
		p := stranger.get("/consent?i=made-up")
		if p.StatusCode != http.StatusBadRequest {
			t.Errorf("a made-up interaction: %s, want 400", p.Status)
		}
	})
}
