package memstore

import (
	"context"
	"fmt"
	"time"

	"github.com/gatehouse-oss/gatehouse/store"
)

// CreateTicket implements store.TicketStore.
func (s *Store) CreateTicket(_ context.Context, t store.Ticket) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := ticketKey{t.ServiceID, t.Hash}
	if _, ok := s.tickets[key]; ok {
		return fmt.Errorf("memstore: create ticket: %w", store.ErrAlreadyExists)
	}
	s.tickets[key] = &ticket{rec: cloneTicket(t)}
	return nil
}

// ConsumeTicket implements store.TicketStore. The check and the mark happen
// under one write lock, so exactly one caller consumes a ticket.
func (s *Store) ConsumeTicket(_ context.Context, serviceID int64, hash string) (store.Ticket, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tickets[ticketKey{serviceID, hash}]
	if !ok {
		return store.Ticket{}, fmt.Errorf("memstore: consume ticket: %w", store.ErrNotFound)
	}
	if t.consumed {
		return cloneTicket(t.rec), fmt.Errorf("memstore: consume ticket: %w", store.ErrConsumed)
	}
	t.consumed = true
	return cloneTicket(t.rec), nil
}

// DeleteExpiredTickets implements store.TicketStore.
func (s *Store) DeleteExpiredTickets(_ context.Context, before time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for k, t := range s.tickets {
		if t.rec.ExpiresAt.Before(before) {
			delete(s.tickets, k)
			n++
		}
	}
	return n, nil
}
