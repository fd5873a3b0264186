package gatehouse

import (
	"context"
	"crypto/sha256"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// Defaults of ResourceServer's cache.
const (
	DefaultCacheTTL  = 10 * time.Second
	DefaultCacheSize = 1024
)

// ResourceServer protects the handlers of a resource server (an API) with
// access tokens the engine issued. Configure it once; its middleware is
// safe for concurrent use.
type ResourceServer struct {
	// Client calls /api/auth/introspection with the service's credentials.
	Client *Client
	// Realm names the resource in Bearer challenges. Default "gatehouse".
	Realm string
	// CacheTTL is how long a good token is taken as good without asking the
	// engine again: a revoked token keeps working for up to this long, which
	// is the price of not calling the engine on every request. Default
	// DefaultCacheTTL; negative turns the cache off.
	CacheTTL time.Duration
	// CacheSize bounds the number of cached tokens. Default
	// DefaultCacheSize.
	CacheSize int
	// Logger receives engine failures. Default slog.Default().
	Logger *slog.Logger

	once  sync.Once
	cache *tokenCache
}

// TokenInfo is what RequireToken learned of the request's access token.
type TokenInfo struct {
	// Subject is the end-user; empty for a client credentials token.
	Subject string
	// Scopes are all the scopes granted, not only the required ones.
	Scopes   []string
	ClientID int64
	// ExpiresAt is when the token expires.
	ExpiresAt time.Time
	// Properties are the token's properties that are not hidden.
	Properties []Property
}

type tokenInfoKey struct{}

// TokenInfoFromContext returns the token of a request RequireToken let
// through. The slices are the caller's own.
func TokenInfoFromContext(ctx context.Context) (TokenInfo, bool) {
	info, ok := ctx.Value(tokenInfoKey{}).(TokenInfo)
	info.Scopes, info.Properties = slices.Clone(info.Scopes), slices.Clone(info.Properties)
	return info, ok
}

// SubjectFromContext returns the end-user of the request's token, "" when
// there is none.
func SubjectFromContext(ctx context.Context) string {
	info, _ := TokenInfoFromContext(ctx)
	return info.Subject
}

// ScopesFromContext returns the scopes of the request's token.
func ScopesFromContext(ctx context.Context) []string {
	info, _ := TokenInfoFromContext(ctx)
	return info.Scopes
}

// ClientIDFromContext returns the client the request's token was issued
// to, 0 when there is none.
func ClientIDFromContext(ctx context.Context) int64 {
	info, _ := TokenInfoFromContext(ctx)
	return info.ClientID
}

// RequireToken returns middleware that lets a request through only with an
// access token in its Authorization header (RFC 6750 §2.1; the scheme is
// case-insensitive) that the engine finds usable and covering every scope
// of scopes. The token's subject, scopes and client are then in the
// request's context (TokenInfoFromContext and friends).
//
// The answers follow RFC 6750 §3: no credentials → 401 with a bare Bearer
// challenge (no error code, §3.1); a malformed header → 400
// invalid_request; the engine's verdict → 400, 401 or 403 with the engine's
// WWW-Authenticate value; an engine failure → 500 (503 when the engine's
// store is out) with a generic server_error.
//
// Only positive results are cached (see CacheTTL). A refusal is not: a
// client that got a new token, or was granted a scope, must not be turned
// away from a stale entry, and garbage tokens must not evict good ones.
func (rs *ResourceServer) RequireToken(scopes ...string) func(http.Handler) http.Handler {
	required := slices.Clone(scopes)
	sorted := slices.Clone(scopes)
	slices.Sort(sorted)
	scopeKey := strings.Join(slices.Compact(sorted), " ")
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			token, problem := bearerFromHeader(r.Header)
			if problem != problemNone || token == "" {
				answerNoBearer(w, rs.realm(), problem)
				return
			}
			info, ok := rs.check(w, r, token, required, scopeKey)
			if !ok {
				return
			}
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), tokenInfoKey{}, info)))
		})
	}
}

// check asks the cache, then the engine, about token; when the token is not
// good it answers the request and ok is false.
func (rs *ResourceServer) check(w http.ResponseWriter, r *http.Request, token string, scopes []string, scopeKey string) (TokenInfo, bool) {
	cache := rs.tokenCache()
	key := cacheKey{token: sha256.Sum256([]byte(token)), scopes: scopeKey}
	if cache != nil {
		if info, ok := cache.get(key, time.Now()); ok {
			return info, true
		}
	}
	res, err := rs.Client.Introspection(r.Context(), IntrospectionRequest{Token: token, Scopes: scopes})
	if err != nil {
		logFailure(rs.logger(), r, err)
		RespondFailure(w, err)
		return TokenInfo{}, false
	}
	if res.Action != ActionOK {
		RespondBearer(w, res.Action, res.ResponseContent)
		return TokenInfo{}, false
	}
	info := TokenInfo{Subject: res.Subject, Scopes: res.Scopes, ClientID: res.ClientID, Properties: res.Properties}
	if res.ExpiresAt > 0 {
		info.ExpiresAt = time.UnixMilli(res.ExpiresAt)
	}
	if cache != nil && !info.ExpiresAt.IsZero() {
		now := time.Now()
		expires := now.Add(rs.ttl())
		if info.ExpiresAt.Before(expires) {
			expires = info.ExpiresAt // never trust a token past its expiry
		}
		if expires.After(now) {
			cache.put(key, info, expires)
		}
	}
	return info, true
}

func (rs *ResourceServer) tokenCache() *tokenCache {
	rs.once.Do(func() {
		if rs.CacheTTL >= 0 {
			size := rs.CacheSize
			if size <= 0 {
				size = DefaultCacheSize
			}
			rs.cache = newTokenCache(size)
		}
	})
	return rs.cache
}

func (rs *ResourceServer) ttl() time.Duration {
	if rs.CacheTTL == 0 {
		return DefaultCacheTTL
	}
	return rs.CacheTTL
}

func (rs *ResourceServer) realm() string {
	if rs.Realm == "" {
		return "gatehouse"
	}
	return rs.Realm
}

func (rs *ResourceServer) logger() *slog.Logger {
	if rs.Logger == nil {
		return slog.Default()
	}
	return rs.Logger
}
