package memstore

import (
	"context"
	"time"

	"github.com/gatehouse-oss/gatehouse/store"
)

// CreateTicket implements store.TicketStore.
func (s *Store) CreateTicket(_ context.Context, t store.Ticket) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return createOnce(s.tickets, hashKey{t.ServiceID, t.Hash}, cloneTicket(t), "ticket")
}

// ConsumeTicket implements store.TicketStore.
func (s *Store) ConsumeTicket(_ context.Context, serviceID int64, hash string) (store.Ticket, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	// A spent ticket keeps its kind and expiry for replays; its payload,
	// a whole authorization request, is dropped.
	spend := func(t store.Ticket) store.Ticket { t.Payload = nil; return t }
	return consumeOnce(s.tickets, hashKey{serviceID, hash}, cloneTicket, spend, "ticket")
}

// DeleteExpiredTickets implements store.TicketStore.
func (s *Store) DeleteExpiredTickets(_ context.Context, before time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return deleteExpiredOnce(s.tickets, before, func(t store.Ticket) time.Time { return t.ExpiresAt }), nil
}
