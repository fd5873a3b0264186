// Package app is frontend-example: a small authorization server and resource
// server built on the Gatehouse SDK. Gatehouse (the engine) owns the OAuth
// and OpenID Connect protocol; this package owns only what an engine cannot
// know — its users, their sessions, and the login and consent pages — and
// relays everything else through the SDK's handlers.
//
// New returns the whole server as one http.Handler, so that tests build it
// in-process; the command in the parent directory serves it.
package app

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	gatehouse "github.com/gatehouse-oss/gatehouse/sdk"
)

// Config is what the frontend needs to know; main reads it from the
// environment. Issuer, EngineURL, APIKey and APISecret are required.
type Config struct {
	// Issuer is this frontend's own URL, e.g. "http://localhost:9000": the
	// issuer of the engine's service, whose endpoints are the paths of this
	// server. A https issuer makes the session cookie Secure.
	Issuer string
	// EngineURL is the engine's root, e.g. "http://127.0.0.1:8080".
	EngineURL string
	// APIKey and APISecret are the service's credentials at the engine.
	APIKey, APISecret string
	// DemoClientID is the client_id the demo client page at / uses: a
	// public client registered with the redirect URI Issuer + "/" and PKCE.
	// Default "demo-spa".
	DemoClientID string
	// ResourceServers are the protected resources allowed to call
	// /introspect (RFC 7662 §2.1), as HTTP Basic id → secret.
	ResourceServers map[string]string
	// TokenCacheTTL is how long /api/* takes a good access token as good
	// without asking the engine again (gatehouse.ResourceServer.CacheTTL):
	// zero is the SDK's default, negative turns the cache off.
	TokenCacheTTL time.Duration
	// SessionTTL is how long a login lasts. Default 8 hours.
	SessionTTL time.Duration
	// HTTPClient calls the engine; nil is the SDK's own.
	HTTPClient *http.Client
	// Logger receives failures. Default slog.Default().
	Logger *slog.Logger
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// validate reports every problem of c at once.
func (c Config) validate() error {
	var errs []error
	if u, err := url.Parse(c.Issuer); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		u.RawQuery != "" || u.Fragment != "" || strings.TrimSuffix(u.Path, "/") != "" {
		errs = append(errs, fmt.Errorf("issuer %q: want an http(s) URL with a host and no path, query or fragment", c.Issuer))
	}
	if u, err := url.Parse(c.EngineURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("engine URL %q: want an http(s) URL", c.EngineURL))
	}
	if c.APIKey == "" || c.APISecret == "" {
		errs = append(errs, errors.New("the service's API key and secret are required"))
	}
	for id, secret := range c.ResourceServers {
		if id == "" || strings.Contains(id, ":") || secret == "" {
			errs = append(errs, fmt.Errorf("resource server %q: want an id without ':' and a secret", id))
		}
	}
	return errors.Join(errs...)
}

// server is the frontend: its configuration, the SDK's handlers and its own
// state (users, sessions, consents). Everything in it is safe for concurrent
// use.
type server struct {
	issuer       string
	secure       bool // the issuer is https: cookies are Secure
	demoClientID string
	fe           *gatehouse.Frontend
	rs           *gatehouse.ResourceServer
	users        *userStore
	sessions     *sessionStore
	consents     *consentStore
	pages        *pages
	log          *slog.Logger
	now          func() time.Time
}

// New builds the frontend's handler: the OAuth endpoints relayed to the
// engine, the login and consent pages, the demo client page at / and the
// demo API under /api/.
func New(cfg Config) (http.Handler, error) {
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("frontend-example: %w", err)
	}
	if cfg.DemoClientID == "" {
		cfg.DemoClientID = "demo-spa"
	}
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = 8 * time.Hour
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	pg, err := newPages()
	if err != nil {
		return nil, err
	}
	engine := &gatehouse.Client{
		BaseURL:    strings.TrimSuffix(cfg.EngineURL, "/"),
		Key:        cfg.APIKey,
		Secret:     cfg.APISecret,
		HTTPClient: cfg.HTTPClient,
	}
	s := &server{
		issuer:       strings.TrimSuffix(cfg.Issuer, "/"),
		secure:       strings.HasPrefix(cfg.Issuer, "https://"),
		demoClientID: cfg.DemoClientID,
		fe:           &gatehouse.Frontend{Client: engine, Realm: "frontend-example", Logger: cfg.Logger},
		rs:           &gatehouse.ResourceServer{Client: engine, Realm: "frontend-example", CacheTTL: cfg.TokenCacheTTL, Logger: cfg.Logger},
		users:        newUserStore(),
		sessions:     newSessionStore(cfg.SessionTTL, cfg.Now),
		consents:     newConsentStore(),
		pages:        pg,
		log:          cfg.Logger,
		now:          cfg.Now,
	}
	return s.routes(cfg.ResourceServers), nil
}

func (s *server) routes(resourceServers map[string]string) http.Handler {
	mux := http.NewServeMux()

	// The OAuth and OpenID Connect endpoints: each relays to the engine.
	// The authorization endpoint answers a browser, so its errors are pages.
	authorize := s.fe.AuthorizationHandler(s)
	mux.Handle("/authorize", s.browser(authorize.ServeHTTP))
	mux.Handle("/token", s.fe.TokenHandler(gatehouse.TokenOptions{CheckPassword: s.users.checkPassword}))
	mux.Handle("/revoke", s.fe.RevocationHandler())
	mux.Handle("/introspect", s.fe.IntrospectionHandler(gatehouse.BasicAuthenticator(resourceServers)))
	mux.Handle("/userinfo", s.fe.UserInfoHandler(s.users.claims))
	mux.Handle("/.well-known/openid-configuration", s.fe.DiscoveryHandler())
	mux.Handle("/.well-known/oauth-authorization-server", s.fe.DiscoveryHandler())
	mux.Handle("/jwks", s.fe.JWKSHandler())

	// The pages of the authorization endpoint.
	mux.HandleFunc("GET /login", s.loginPage)
	mux.Handle("POST /login", s.browser(s.login))
	mux.HandleFunc("GET /consent", s.consentPage)
	mux.Handle("POST /consent", s.browser(s.consent))
	mux.HandleFunc("GET /logout", s.logoutPage)
	mux.HandleFunc("POST /logout", s.logout)

	// The demo resource server.
	mux.Handle("GET /api/time", s.rs.RequireToken()(http.HandlerFunc(apiTime(s.now))))
	mux.Handle("GET /api/me", s.rs.RequireToken(meScope)(http.HandlerFunc(apiMe)))

	// The demo client.
	mux.HandleFunc("GET /{$}", s.demoPage)
	mux.Handle("GET /static/", staticFiles())

	return securityHeaders(mux)
}

// securityHeaders sets what every answer of the frontend carries: no page of
// it may be framed (SECURITY A52, RFC 9700 §4.16), sniffed or leak its URL —
// which may hold a code or a ticket reference — in a Referer. Pages add a
// stricter Content-Security-Policy of their own.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "frame-ancestors 'none'")
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		next.ServeHTTP(w, r)
	})
}
