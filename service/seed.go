package service

import (
	"context"
	"errors"
	"fmt"

	"github.com/gatehouse-oss/gatehouse/service/oauth"

	"github.com/gatehouse-oss/gatehouse/store"
)

// Seed is a set of services and clients with credentials chosen by the
// operator, applied at start (GATEHOUSE_SEED) so that a deployment comes up
// with the tenants its frontends are configured for.
type Seed struct {
	Services []SeedService
}

// SeedService is one service of a seed: its settings (APIKey set), its API
// secret in clear, and its clients.
type SeedService struct {
	Service   store.Service
	APISecret string
	Clients   []SeedClient
}

// SeedClient is one client of a seed: its settings (ClientID set) and, for a
// confidential client, its secret in clear.
type SeedClient struct {
	Client       store.Client
	ClientSecret string
}

// minSeedSecret is the shortest secret a seed may set: 32 characters, the
// length of a base64url-encoded 192-bit value.
const minSeedSecret = 32

// ApplySeed creates or replaces every service and client of the seed.
// Applying the same seed twice leaves the store as after the first time, so
// it is safe on every start of every instance. Records not in the seed are
// left alone.
func (e *Engine) ApplySeed(ctx context.Context, seed Seed) error {
	for i, ss := range seed.Services {
		if err := e.seedService(ctx, ss); err != nil {
			return fmt.Errorf("seed service #%d (%d): %w", i, ss.Service.APIKey, err)
		}
	}
	return nil
}

func (e *Engine) seedService(ctx context.Context, ss SeedService) error {
	svc := ss.Service
	if svc.APIKey <= 0 || svc.APIKey >= maxID {
		return InvalidFields([]FieldError{{Field: "apiKey", Message: "must be between 1 and 2^53-1"}})
	}
	if len(ss.APISecret) < minSeedSecret {
		return InvalidFields([]FieldError{{Field: "apiSecret", Message: fmt.Sprintf("must be at least %d characters", minSeedSecret)}})
	}
	if err := validateService(svc); err != nil {
		return err
	}
	svc.APISecretHash = HashSecret(ss.APISecret)
	now := e.now()
	svc.CreatedAt, svc.ModifiedAt = now, now
	// Instances starting together apply the same seed at once: a create
	// that loses that race finds the record made, and updates it instead.
	err := retryCreateRace(func() error {
		old, err := e.fresh.GetService(ctx, svc.APIKey)
		switch {
		case err == nil:
			svc.CreatedAt = old.CreatedAt
			return e.store.UpdateService(ctx, svc)
		case errors.Is(err, store.ErrNotFound):
			if err = e.store.CreateService(ctx, svc); err == nil {
				err = e.createKeys(ctx, svc.APIKey)
			}
		}
		return err
	})
	if err != nil {
		return AsError(err)
	}
	for j, sc := range ss.Clients {
		if err := e.seedClient(ctx, svc, sc); err != nil {
			return fmt.Errorf("client #%d (%d): %w", j, sc.Client.ClientID, err)
		}
	}
	return nil
}

func (e *Engine) seedClient(ctx context.Context, svc store.Service, sc SeedClient) error {
	c := sc.Client
	if c.ClientID <= 0 || c.ClientID >= maxID {
		return InvalidFields([]FieldError{{Field: "clientId", Message: "must be between 1 and 2^53-1"}})
	}
	normalizeClient(&c)
	if err := validateClient(svc, c); err != nil {
		return err
	}
	c.ServiceID = svc.APIKey
	c.ClientSecretHash = nil
	if c.ClientType == oauth.ClientConfidential {
		if len(sc.ClientSecret) < minSeedSecret {
			return InvalidFields([]FieldError{{Field: "clientSecret", Message: fmt.Sprintf("a confidential client needs one of at least %d characters", minSeedSecret)}})
		}
		c.ClientSecretHash = HashSecret(sc.ClientSecret)
	}
	now := e.now()
	c.CreatedAt, c.ModifiedAt = now, now
	err := retryCreateRace(func() error {
		old, err := e.fresh.GetClient(ctx, svc.APIKey, c.ClientID)
		switch {
		case err == nil:
			c.CreatedAt = old.CreatedAt
			return e.store.UpdateClient(ctx, c)
		case errors.Is(err, store.ErrNotFound):
			return e.store.CreateClient(ctx, c)
		}
		return err
	})
	// Still taken after the retry: the alias belongs to another client.
	if errors.Is(err, store.ErrAlreadyExists) {
		return newError(resClientAliasTaken, err, c.ClientIDAlias)
	}
	if err != nil {
		return AsError(err)
	}
	return nil
}

// retryCreateRace runs apply, and once more when it failed with
// ErrAlreadyExists: the record it meant to create was created meanwhile by
// another instance applying the same seed, and the second run updates it.
func retryCreateRace(apply func() error) error {
	err := apply()
	if errors.Is(err, store.ErrAlreadyExists) {
		err = apply()
	}
	return err
}
