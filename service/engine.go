package service

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"time"

	"github.com/gatehouse-oss/gatehouse/store"
)

// Config is everything an Engine needs. Only Store is required.
type Config struct {
	Store store.Store
	// Now is the clock; time.Now when nil. Tests inject their own.
	Now func() time.Time
	// Rand is the source of identifiers and secrets; crypto/rand when nil.
	Rand io.Reader
}

// Engine is the protocol engine of every service of one store.
type Engine struct {
	store store.Store
	now   func() time.Time
	rand  io.Reader
}

// New returns an Engine for cfg.
func New(cfg Config) *Engine {
	e := &Engine{store: cfg.Store, now: cfg.Now, rand: cfg.Rand}
	if e.now == nil {
		e.now = time.Now
	}
	if e.rand == nil {
		e.rand = rand.Reader
	}
	return e
}

// Ready reports whether the engine can serve: its store answers.
func (e *Engine) Ready(ctx context.Context) error {
	return e.store.Ping(ctx)
}

// SweepExpired deletes the single-use records that have expired. Expiry is
// always checked when a record is read; this only reclaims space, on stores
// (like FerretDB) that have no TTL indexes.
func (e *Engine) SweepExpired(ctx context.Context) (int, error) {
	n, err := e.store.DeleteExpiredTickets(ctx, e.now())
	if err != nil {
		return 0, fmt.Errorf("sweep tickets: %w", err)
	}
	return n, nil
}
