package mongostore

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/gatehouse-oss/gatehouse/store"
)

// ticketDoc is a ticket as stored: the record plus its document _id. Only the
// ticket's hash is stored, never the raw ticket.
type ticketDoc struct {
	ID           string `bson:"_id"`
	store.Ticket `bson:",inline"`
}

// CreateTicket stores a ticket; ErrAlreadyExists if its hash is taken in its
// service.
func (s *Store) CreateTicket(ctx context.Context, t store.Ticket) error {
	id, err := newID()
	if err != nil {
		return err
	}
	_, err = s.tickets.InsertOne(ctx, ticketDoc{ID: id, Ticket: t})
	return wrap("create ticket", err)
}

// ConsumeTicket returns the ticket with this hash and claims it. The first
// claimer gets a nil error, every later caller the ticket and ErrConsumed; an
// unknown hash gets ErrNotFound. The ticket is kept after use so that a
// replay stays distinguishable from a guess until the sweep removes it.
func (s *Store) ConsumeTicket(ctx context.Context, serviceID int64, hash string) (store.Ticket, error) {
	filter := bson.D{{Key: "serviceId", Value: serviceID}, {Key: "hash", Value: hash}}
	var d ticketDoc
	if err := s.tickets.FindOne(ctx, filter).Decode(&d); err != nil {
		return store.Ticket{}, wrap("consume ticket", err)
	}
	err := s.claim(ctx, "consume ticket", serviceID, claimTicket, hash, d.ExpiresAt)
	if err != nil && !errors.Is(err, store.ErrConsumed) {
		return store.Ticket{}, err
	}
	return d.Ticket, err
}

// DeleteExpiredTickets removes, across all services, the tickets that
// expired before the given time, then their claims, and reports how many
// tickets it removed. Claims go second: a sweep interrupted in between leaves
// orphan claims, which the next sweep removes, never an unclaimed used ticket.
func (s *Store) DeleteExpiredTickets(ctx context.Context, before time.Time) (int, error) {
	expired := bson.D{{Key: "expiresAt", Value: bson.D{{Key: "$lt", Value: before}}}}
	res, err := s.tickets.DeleteMany(ctx, expired)
	if err != nil {
		return 0, wrap("delete expired tickets", err)
	}
	claims := append(bson.D{{Key: "kind", Value: claimTicket}}, expired...)
	if _, err := s.claims.DeleteMany(ctx, claims); err != nil {
		return int(res.DeletedCount), wrap("delete expired ticket claims", err)
	}
	return int(res.DeletedCount), nil
}
