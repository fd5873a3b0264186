package service

import (
	"container/list"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/gatehouse-oss/gatehouse/service/oauth"
	"github.com/gatehouse-oss/gatehouse/store"
)

// Client authentication by private_key_jwt (RFC 7523 §2.2 and §3, OIDC Core
// §9). Every failure of the assertion is a plain error, which the caller
// answers with invalid_client; only a failure of the engine or the store is
// an *Error.

const (
	// assertionSkew is how far the clocks of client and server may disagree
	// on exp, iat and nbf.
	assertionSkew = time.Minute
	// maxAssertionLifetime bounds exp - iat (exp - now without iat), so that
	// an assertion cannot live forever and its jti claim stays short-lived.
	maxAssertionLifetime = time.Hour
	// maxAssertionSize bounds the work done on a client_assertion before its
	// signature is checked.
	maxAssertionSize = 16 << 10
	// maxJTILength bounds the store key a jti becomes.
	maxJTILength = 256
	// claimKindJTI is the ClaimStore kind of a used assertion.
	claimKindJTI = "jti"
)

// assertionAlgs are the algorithms a client assertion may be signed with:
// never none, never HS* (client_secret_jwt is out, DESIGN §5).
var assertionAlgs = []jose.SignatureAlgorithm{jose.RS256, jose.ES256, jose.PS256}

// assertionClientID returns the client the assertion claims to be: its sub
// (which must equal its iss), read WITHOUT verifying the signature, so the
// client can be looked up. A malformed assertion is an error.
func assertionClientID(assertion string) (string, error) {
	tok, err := parseAssertion(assertion)
	if err != nil {
		return "", err
	}
	var cl jwt.Claims
	if err := tok.UnsafeClaimsWithoutVerification(&cl); err != nil {
		return "", fmt.Errorf("client assertion: claims: %w", err)
	}
	if err := checkAssertionIssuer(cl); err != nil {
		return "", err
	}
	return cl.Subject, nil
}

// verifyClientAssertion verifies a client assertion of client c of svc. It
// returns nil when the assertion is valid, a plain error saying why when it
// is not, and an *Error when the engine or the store failed.
func (e *Engine) verifyClientAssertion(ctx context.Context, svc store.Service, c store.Client, assertion string) error {
	if c.ServiceID != svc.APIKey {
		return Internal(fmt.Errorf("client %d is not a client of service %d", c.ClientID, svc.APIKey))
	}
	if c.TokenAuthMethod != oauth.AuthPrivateKeyJWT {
		return errors.New("client assertion: the client is not registered for private_key_jwt")
	}
	tok, err := parseAssertion(assertion)
	if err != nil {
		return err
	}
	now := e.now()
	keys, err := clientKeys(ctx, c, tok.Headers[0].KeyID, now)
	if err != nil {
		return err
	}
	// The claims are checked only as they come out of the verified payload.
	cl, err := verifyAssertionSignature(tok, keys)
	if err != nil {
		return err
	}
	if err := checkAssertionClaims(svc, c, cl, now); err != nil {
		return err
	}
	// Single use (RFC 7523 §3 item 7). The mark outlives every instant at
	// which the assertion would still be accepted: exp plus the skew.
	key := strconv.FormatInt(c.ClientID, 10) + ":" + cl.ID
	err = e.store.Claim(ctx, svc.APIKey, claimKindJTI, key, cl.Expiry.Time().Add(assertionSkew))
	switch {
	case errors.Is(err, store.ErrConsumed):
		return errors.New("client assertion: jti already used")
	case err != nil:
		return AsError(fmt.Errorf("claim assertion jti: %w", err))
	}
	return nil
}

// parseAssertion parses a compact JWS signed with one of assertionAlgs.
func parseAssertion(assertion string) (*jwt.JSONWebToken, error) {
	if len(assertion) > maxAssertionSize {
		return nil, fmt.Errorf("client assertion: longer than %d bytes", maxAssertionSize)
	}
	tok, err := jwt.ParseSigned(assertion, assertionAlgs)
	if err != nil {
		return nil, fmt.Errorf("client assertion: not a JWT signed with RS256, ES256 or PS256: %w", err)
	}
	if len(tok.Headers) != 1 {
		return nil, errors.New("client assertion: not exactly one signature")
	}
	return tok, nil
}

// checkAssertionIssuer requires iss and sub, equal to each other (RFC 7523
// §3 items 1 and 2).
func checkAssertionIssuer(cl jwt.Claims) error {
	switch {
	case cl.Subject == "" || cl.Issuer == "":
		return errors.New("client assertion: iss and sub are required")
	case cl.Issuer != cl.Subject:
		return errors.New("client assertion: iss differs from sub")
	}
	return nil
}

// checkAssertionClaims applies RFC 7523 §3 to verified claims.
func checkAssertionClaims(svc store.Service, c store.Client, cl jwt.Claims, now time.Time) error {
	if err := checkAssertionIssuer(cl); err != nil {
		return err
	}
	ids := []string{strconv.FormatInt(c.ClientID, 10)}
	if c.ClientIDAliasEnabled && c.ClientIDAlias != "" {
		ids = append(ids, c.ClientIDAlias)
	}
	if !slices.Contains(ids, cl.Subject) {
		return errors.New("client assertion: sub is not the authenticating client")
	}
	if !slices.ContainsFunc(cl.Audience, func(a string) bool {
		return a != "" && (a == svc.Issuer || a == svc.TokenEndpoint)
	}) {
		return errors.New("client assertion: aud holds neither the issuer nor the token endpoint")
	}
	if cl.Expiry == nil {
		return errors.New("client assertion: exp is required")
	}
	exp := cl.Expiry.Time()
	if !now.Before(exp.Add(assertionSkew)) {
		return errors.New("client assertion: expired")
	}
	start := now
	if cl.IssuedAt != nil {
		start = cl.IssuedAt.Time()
		if start.After(now.Add(assertionSkew)) {
			return errors.New("client assertion: iat is in the future")
		}
	}
	if exp.Sub(start) > maxAssertionLifetime {
		return fmt.Errorf("client assertion: lives longer than %v", maxAssertionLifetime)
	}
	if cl.NotBefore != nil && cl.NotBefore.Time().After(now.Add(assertionSkew)) {
		return errors.New("client assertion: not valid yet (nbf)")
	}
	switch {
	case cl.ID == "":
		return errors.New("client assertion: jti is required")
	case len(cl.ID) > maxJTILength:
		return fmt.Errorf("client assertion: jti longer than %d bytes", maxJTILength)
	}
	return nil
}

// verifyAssertionSignature checks the signature against the client's keys
// that fit the header (its kid when it names one, and its alg) and returns
// the verified claims.
func verifyAssertionSignature(tok *jwt.JSONWebToken, keys []jose.JSONWebKey) (jwt.Claims, error) {
	h := tok.Headers[0]
	tried := false
	for _, k := range keys {
		if h.KeyID != "" && k.KeyID != h.KeyID {
			continue
		}
		pub, ok := assertionKey(k, h.Algorithm)
		if !ok {
			continue
		}
		tried = true
		var cl jwt.Claims
		err := tok.Claims(pub, &cl)
		switch {
		case err == nil:
			return cl, nil
		case !errors.Is(err, jose.ErrCryptoFailure):
			// Verified, or refused for a reason no other key changes.
			return jwt.Claims{}, fmt.Errorf("client assertion: %w", err)
		}
	}
	if !tried {
		return jwt.Claims{}, fmt.Errorf("client assertion: no registered key fits kid %q and alg %s", h.KeyID, h.Algorithm)
	}
	return jwt.Claims{}, errors.New("client assertion: bad signature")
}

// assertionKey returns the public key of k if k may verify a signature of
// alg: a public signing key (a JWK with private members is refused: it was
// leaked at registration) of the right type, RSA keys of at least 2048 bits.
func assertionKey(k jose.JSONWebKey, alg string) (any, bool) {
	if !k.IsPublic() || (k.Use != "" && k.Use != "sig") || (k.Algorithm != "" && k.Algorithm != alg) {
		return nil, false
	}
	switch pub := k.Key.(type) {
	case *rsa.PublicKey:
		if (alg == string(jose.RS256) || alg == string(jose.PS256)) && pub.N.BitLen() >= 2048 {
			return pub, true
		}
	case *ecdsa.PublicKey:
		if alg == string(jose.ES256) && pub.Curve == elliptic.P256() {
			return pub, true
		}
	}
	return nil, false
}

// clientKeys returns the client's registered keys: its inline jwks, or the
// set behind its jwksUri.
func clientKeys(ctx context.Context, c store.Client, kid string, now time.Time) ([]jose.JSONWebKey, error) {
	switch {
	case c.JWKS != "":
		return parseJWKS([]byte(c.JWKS))
	case c.JWKSURI != "":
		return defaultJWKSFetcher.keys(ctx, c.JWKSURI, kid, now)
	default:
		return nil, errors.New("client assertion: the client has neither jwks nor jwksUri")
	}
}

// maxJWKSKeys bounds the keys of a set, and so the signatures tried on an
// assertion without a kid.
const maxJWKSKeys = 100

// parseJWKS reads a JWK Set, skipping the keys it cannot read (RFC 7517 §5:
// unknown kty, missing members).
func parseJWKS(data []byte) ([]jose.JSONWebKey, error) {
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(data, &set); err != nil || set.Keys == nil {
		return nil, errors.New("client jwks: not a JWK Set")
	}
	if len(set.Keys) > maxJWKSKeys {
		return nil, fmt.Errorf("client jwks: more than %d keys", maxJWKSKeys)
	}
	keys := make([]jose.JSONWebKey, 0, len(set.Keys))
	for _, raw := range set.Keys {
		var k jose.JSONWebKey
		if err := k.UnmarshalJSON(raw); err == nil {
			keys = append(keys, k)
		}
	}
	return keys, nil
}

// Limits of a jwksUri fetch (SECURITY D13).
const (
	jwksFetchTimeout   = 5 * time.Second
	maxJWKSBody        = 64 << 10
	jwksTTL            = 5 * time.Minute
	jwksMinRefetch     = 30 * time.Second
	maxJWKSCacheSize   = 512
	maxJWKSHeaderBytes = 16 << 10
)

// defaultJWKSFetcher fetches and caches every jwksUri. It is a package
// variable only because the Engine could not grow a field in the change that
// introduced it; tests swap it. A later change should move it onto Engine
// and Config, together with a setting that allows private addresses in
// development.
var defaultJWKSFetcher = newJWKSFetcher(newJWKSHTTPClient(false, nil))

// errNonPublicAddress is the SSRF guard's refusal.
var errNonPublicAddress = errors.New("refused to connect to a non-public address")

// jwksFetcher fetches client JWK Sets and caches them per URI: entries are
// fresh for ttl; an unknown kid refetches a fresh entry, and any fetch of a
// URI (failed ones too) happens at most once per minRefetch. At most
// maxEntries URIs are cached, the least recently used evicted first.
// Concurrent callers of one URI share one fetch. Safe for concurrent use.
type jwksFetcher struct {
	client     *http.Client
	ttl        time.Duration
	minRefetch time.Duration
	maxBody    int64
	maxEntries int

	mu      sync.Mutex
	entries map[string]*list.Element // of *jwksEntry
	lru     list.List                // most recently used first
}

type jwksEntry struct {
	uri       string
	keys      []jose.JSONWebKey
	fetchedAt time.Time     // of the last successful fetch; zero if none
	triedAt   time.Time     // of the last fetch, successful or not
	err       error         // of the last fetch
	inflight  chan struct{} // non-nil while a fetch runs, closed when it ends
}

func newJWKSFetcher(client *http.Client) *jwksFetcher {
	return &jwksFetcher{
		client:     client,
		ttl:        jwksTTL,
		minRefetch: jwksMinRefetch,
		maxBody:    maxJWKSBody,
		maxEntries: maxJWKSCacheSize,
		entries:    map[string]*list.Element{},
	}
}

// newJWKSHTTPClient returns the client a jwksFetcher fetches with: no proxy
// (a proxy would hide the target from the guard), no redirects, TLS 1.2 or
// later, the fetch timeout, and a dialer that refuses non-public addresses
// after DNS resolution, on the address actually dialled, so DNS rebinding
// cannot slip past it. roots nil means the system roots.
func newJWKSHTTPClient(allowPrivate bool, roots *x509.CertPool) *http.Client {
	dialer := &net.Dialer{
		Timeout: jwksFetchTimeout,
		Control: func(network, address string, _ syscall.RawConn) error {
			return checkDialAddress(network, address, allowPrivate)
		},
	}
	return &http.Client{
		Transport: &http.Transport{
			Proxy:                  nil,
			DialContext:            dialer.DialContext,
			TLSClientConfig:        &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: roots},
			TLSHandshakeTimeout:    jwksFetchTimeout,
			ResponseHeaderTimeout:  jwksFetchTimeout,
			MaxResponseHeaderBytes: maxJWKSHeaderBytes,
			MaxIdleConns:           32,
			IdleConnTimeout:        90 * time.Second,
			ForceAttemptHTTP2:      true,
		},
		Timeout: jwksFetchTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// checkDialAddress is the SSRF guard: it lets the dialer connect to public
// TCP addresses only, unless allowPrivate.
func checkDialAddress(network, address string, allowPrivate bool) error {
	if network != "tcp4" && network != "tcp6" {
		return fmt.Errorf("%w: network %s", errNonPublicAddress, network)
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: %s: %v", errNonPublicAddress, address, err)
	}
	if !allowPrivate && !isPublicAddr(ap.Addr()) {
		return fmt.Errorf("%w: %s", errNonPublicAddress, ap.Addr())
	}
	return nil
}

// nonPublicPrefixes are the special-purpose ranges (RFC 6890 and successors)
// netip has no predicate for.
var nonPublicPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),   // shared address space (CGNAT)
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("192.0.2.0/24"),    // documentation
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("198.51.100.0/24"), // documentation
	netip.MustParsePrefix("203.0.113.0/24"),  // documentation
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, and broadcast
	netip.MustParsePrefix("::/96"),           // IPv4-compatible (deprecated)
	netip.MustParsePrefix("64:ff9b:1::/48"),  // local-use NAT64
	netip.MustParsePrefix("100::/64"),        // discard-only
	netip.MustParsePrefix("2001::/32"),       // Teredo: tunnels to any IPv4
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
	netip.MustParsePrefix("2002::/16"),       // 6to4: tunnels to any IPv4
	netip.MustParsePrefix("fec0::/10"),       // site-local (deprecated)
}

// nat64 is the well-known NAT64 prefix (RFC 6052): its addresses reach the
// IPv4 address in their last four bytes.
var nat64 = netip.MustParsePrefix("64:ff9b::/96")

// isPublicAddr reports whether a is a globally routable unicast address.
func isPublicAddr(a netip.Addr) bool {
	a = a.Unmap().WithZone("")
	if !a.IsValid() || a.IsUnspecified() || a.IsLoopback() || a.IsPrivate() ||
		a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsInterfaceLocalMulticast() || a.IsMulticast() {
		return false
	}
	if nat64.Contains(a) {
		b := a.As16()
		return isPublicAddr(netip.AddrFrom4([4]byte(b[12:])))
	}
	for _, p := range nonPublicPrefixes {
		if p.Contains(a) {
			return false
		}
	}
	return true
}

// keys returns the key set behind uri, from the cache when it is fresh and
// knows kid (or kid is empty), fetching it otherwise within the rate limit.
func (f *jwksFetcher) keys(ctx context.Context, uri, kid string, now time.Time) ([]jose.JSONWebKey, error) {
	for {
		f.mu.Lock()
		ent := f.entry(uri)
		if ch := ent.inflight; ch != nil {
			f.mu.Unlock()
			select {
			case <-ch:
				continue
			case <-ctx.Done():
				return nil, fmt.Errorf("client jwksUri: %w", ctx.Err())
			}
		}
		fresh := !ent.fetchedAt.IsZero() && now.Sub(ent.fetchedAt) < f.ttl
		known := kid == "" || slices.ContainsFunc(ent.keys, func(k jose.JSONWebKey) bool { return k.KeyID == kid })
		mayFetch := ent.triedAt.IsZero() || now.Sub(ent.triedAt) >= f.minRefetch
		switch {
		case fresh && (known || !mayFetch):
			keys := ent.keys
			f.mu.Unlock()
			return keys, nil
		case !mayFetch:
			err := ent.err
			f.mu.Unlock()
			if err == nil {
				err = errors.New("client jwksUri: key set expired") // only if the clock went back
			}
			return nil, err
		}
		// Fetch apart from the caller's cancellation: waiters share the
		// result, and the fetch is bounded by its own timeout.
		ch := make(chan struct{})
		ent.inflight, ent.triedAt = ch, now
		f.mu.Unlock()
		go f.refresh(context.WithoutCancel(ctx), ent, now, ch)
	}
}

// entry returns the cache entry of uri, creating it (and evicting the least
// recently used entry when full), and marks it most recently used. f.mu is
// held.
func (f *jwksFetcher) entry(uri string) *jwksEntry {
	if el, ok := f.entries[uri]; ok {
		f.lru.MoveToFront(el)
		return el.Value.(*jwksEntry)
	}
	for len(f.entries) >= f.maxEntries && f.lru.Len() > 0 {
		oldest := f.lru.Back()
		delete(f.entries, f.lru.Remove(oldest).(*jwksEntry).uri)
	}
	ent := &jwksEntry{uri: uri}
	f.entries[uri] = f.lru.PushFront(ent)
	return ent
}

// refresh fetches ent's set and records the outcome. An evicted entry is
// still updated, harmlessly: no one finds it any more.
func (f *jwksFetcher) refresh(ctx context.Context, ent *jwksEntry, now time.Time, done chan struct{}) {
	keys, err := f.fetch(ctx, ent.uri)
	f.mu.Lock()
	defer f.mu.Unlock()
	ent.err = err
	if err == nil {
		ent.keys, ent.fetchedAt = keys, now
	}
	ent.inflight = nil
	close(done)
}

// fetch GETs a JWK Set from an https URL within the size and time limits.
func (f *jwksFetcher) fetch(ctx context.Context, uri string) ([]jose.JSONWebKey, error) {
	u, err := url.Parse(uri)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil {
		return nil, errors.New("client jwksUri: not an https URL")
	}
	ctx, cancel := context.WithTimeout(ctx, jwksFetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("client jwksUri: %w", err)
	}
	req.Header.Set("Accept", "application/jwk-set+json, application/json")
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("client jwksUri: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("client jwksUri: status %d", resp.StatusCode)
	}
	if resp.ContentLength > f.maxBody {
		return nil, fmt.Errorf("client jwksUri: body longer than %d bytes", f.maxBody)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, f.maxBody+1))
	if err != nil {
		return nil, fmt.Errorf("client jwksUri: read: %w", err)
	}
	if int64(len(body)) > f.maxBody {
		return nil, fmt.Errorf("client jwksUri: body longer than %d bytes", f.maxBody)
	}
	return parseJWKS(body)
}
