package service

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/gatehouse-oss/gatehouse/store"
)

// Kinds of ticket: a ticket of one kind is never accepted by another API.
const ticketAuthorization = "authorization"

// hashToken is how tickets, codes and tokens are stored: the base64url
// SHA-256 of the raw value, so a copy of the database yields nothing usable
// (RFC 6819 §5.1.4.1.3). The raw values are 256-bit random, so no salt or
// slow hash is needed.
func hashToken(raw string) string {
	h := sha256.Sum256([]byte(raw))
	return base64.RawURLEncoding.EncodeToString(h[:])
}

// newTicket stores state for a follow-up call under a new ticket and
// returns the raw ticket, which only the frontend ever holds.
func (e *Engine) newTicket(ctx context.Context, svc store.Service, kind string, state any) (string, error) {
	raw, err := newSecret(e.rand)
	if err != nil {
		return "", Internal(err)
	}
	payload, err := json.Marshal(state)
	if err != nil {
		return "", Internal(fmt.Errorf("encode ticket: %w", err))
	}
	now := e.now()
	err = e.store.CreateTicket(ctx, store.Ticket{
		ServiceID: svc.APIKey,
		Hash:      hashToken(raw),
		Kind:      kind,
		Payload:   payload,
		CreatedAt: now,
		ExpiresAt: now.Add(time.Duration(svc.TicketDuration) * time.Second),
	})
	if err != nil {
		return "", AsError(fmt.Errorf("store ticket: %w", err))
	}
	return raw, nil
}

// consumeTicket uses a ticket of the given kind up and decodes its state
// into dst. A ticket that is unknown, of another service or kind, used or
// expired is the caller's mistake: the result says which. The error is
// non-nil only when the store failed.
func (e *Engine) consumeTicket(ctx context.Context, svc store.Service, raw, kind string, dst any) (*authzResult, error) {
	if raw == "" {
		return &resTicketUnknown, nil
	}
	t, err := e.store.ConsumeTicket(ctx, svc.APIKey, hashToken(raw))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return &resTicketUnknown, nil
	case errors.Is(err, store.ErrConsumed):
		return &resTicketUsed, nil
	case err != nil:
		return nil, AsError(fmt.Errorf("consume ticket: %w", err))
	case t.Kind != kind:
		return &resTicketUnknown, nil
	case !e.now().Before(t.ExpiresAt):
		return &resTicketExpired, nil
	}
	if err := json.Unmarshal(t.Payload, dst); err != nil {
		return nil, Internal(fmt.Errorf("decode ticket: %w", err))
	}
	return nil, nil
}
