package service

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"fmt"
	"io"
	"time"

	"github.com/gatehouse-oss/gatehouse/store"
)

// Config is everything an Engine needs.
type Config struct {
	// Store is where all state lives; required.
	Store store.Store
	// MasterKey (MasterKeySize bytes) seals private signing keys at rest.
	// Every engine of one store needs the same key. When nil a random key is
	// drawn: right for a store that lives only as long as the process (the
	// in-memory one), wrong for any other, since keys sealed under it cannot
	// be opened after a restart.
	MasterKey []byte
	// Now is the clock; time.Now when nil. Tests inject their own.
	Now func() time.Time
	// Rand is the source of identifiers, secrets and keys; crypto/rand when nil.
	Rand io.Reader
	// JWKSRoots are the CAs trusted when fetching a jwksUri; the system's
	// when nil.
	JWKSRoots *x509.CertPool
	// ConfigCacheTTL bounds how stale a cached service or client may be
	// when read by a protocol call; 0 turns the cache off. Instances sharing
	// a store see each other's configuration changes within it.
	ConfigCacheTTL time.Duration
}

// Engine is the protocol engine of every service of one store.
type Engine struct {
	// store serves the protocol calls, through the configuration cache
	// when one is configured; fresh bypasses the cache, for management
	// calls that read what they are about to replace (a stale copy could
	// write back a secret another instance has just refreshed).
	store  store.Store
	fresh  store.Store
	sealer *sealer
	now    func() time.Time
	rand   io.Reader
	// The JWK Set fetchers: one guarded against private addresses, one not,
	// for the services that allow those for development.
	jwksPublic, jwksPrivate *jwksFetcher
	// throttle counts failed client authentications (SECURITY C16).
	throttle *authThrottle
	// privateKeys are the signing keys already unsealed.
	privateKeys unsealedKeys
}

// New returns an Engine for cfg, or an error naming what is wrong with cfg.
func New(cfg Config) (*Engine, error) {
	e := &Engine{store: cfg.Store, fresh: cfg.Store, now: cfg.Now, rand: cfg.Rand, throttle: newAuthThrottle()}
	if e.store == nil {
		return nil, fmt.Errorf("service: no store")
	}
	if e.now == nil {
		e.now = time.Now
	}
	if cfg.ConfigCacheTTL > 0 {
		e.store = newConfigCache(cfg.Store, cfg.ConfigCacheTTL, e.now)
	}
	if e.rand == nil {
		e.rand = rand.Reader
	}
	key := cfg.MasterKey
	if key == nil {
		key = make([]byte, MasterKeySize)
		if _, err := io.ReadFull(e.rand, key); err != nil {
			return nil, fmt.Errorf("service: draw a master key: %w", err)
		}
	}
	var err error
	if e.sealer, err = newSealer(key, e.rand); err != nil {
		return nil, fmt.Errorf("service: %w", err)
	}
	e.jwksPublic = newJWKSFetcher(newJWKSHTTPClient(false, cfg.JWKSRoots))
	e.jwksPrivate = newJWKSFetcher(newJWKSHTTPClient(true, cfg.JWKSRoots))
	return e, nil
}

// jwksFetcher is the fetcher the service's setting allows.
func (e *Engine) jwksFetcher(svc store.Service) *jwksFetcher {
	if svc.JWKSURIPrivateAddressAllowed {
		return e.jwksPrivate
	}
	return e.jwksPublic
}

// Ready reports whether the engine can serve: its store answers.
func (e *Engine) Ready(ctx context.Context) error {
	return e.store.Ping(ctx)
}

// SweepExpired deletes the tickets, codes, tokens and claims that have expired and
// reports how many. Expiry is always checked when a record is read; this only
// reclaims space, on stores (like FerretDB) that have no TTL indexes.
func (e *Engine) SweepExpired(ctx context.Context) (int, error) {
	now := e.now()
	total := 0
	for _, sweep := range []struct {
		what string
		del  func(context.Context, time.Time) (int, error)
	}{
		{"tickets", e.store.DeleteExpiredTickets},
		{"codes", e.store.DeleteExpiredCodes},
		{"tokens", e.store.DeleteExpiredTokens},
		{"claims", e.store.DeleteExpiredClaims},
	} {
		n, err := sweep.del(ctx, now)
		total += n
		if err != nil {
			return total, fmt.Errorf("sweep %s: %w", sweep.what, err)
		}
	}
	return total, nil
}
