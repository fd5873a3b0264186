package service

import (
	"container/list"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// Fetching client JWK Sets from their jwksUri, safely: https only, public
// addresses only (checked on the connected IP), bounded in time and size,
// cached per URI.

// Limits of a jwksUri fetch (SECURITY D13).
const (
	jwksFetchTimeout   = 5 * time.Second
	maxJWKSBody        = 64 << 10
	jwksTTL            = 5 * time.Minute
	jwksMinRefetch     = 30 * time.Second
	maxJWKSCacheSize   = 512
	maxJWKSHeaderBytes = 16 << 10
)

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
