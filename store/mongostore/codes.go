package mongostore

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/gatehouse-oss/gatehouse/store"
)

// codeDoc is an authorization code as stored: the record plus its document
// _id. Only the code's hash is stored, never the raw code.
type codeDoc struct {
	ID                      string `bson:"_id"`
	store.AuthorizationCode `bson:",inline"`
}

// CreateCode stores a code; ErrAlreadyExists if its hash is taken in its
// service.
func (s *Store) CreateCode(ctx context.Context, c store.AuthorizationCode) error {
	id, err := newID()
	if err != nil {
		return err
	}
	_, err = s.codes.InsertOne(ctx, codeDoc{ID: id, AuthorizationCode: c})
	return wrap("create code", err)
}

// ConsumeCode returns the code with this hash and claims it, exactly as
// ConsumeTicket does: the first claimer gets a nil error, every later caller
// the code and ErrConsumed; an unknown hash gets ErrNotFound. The code is
// kept after use so that a replay can still be detected, and the grant
// revoked, until the sweep removes it.
func (s *Store) ConsumeCode(ctx context.Context, serviceID int64, hash string) (store.AuthorizationCode, error) {
	filter := bson.D{{Key: "serviceId", Value: serviceID}, {Key: "hash", Value: hash}}
	var d codeDoc
	if err := s.codes.FindOne(ctx, filter).Decode(&d); err != nil {
		return store.AuthorizationCode{}, wrap("consume code", err)
	}
	err := s.claim(ctx, "consume code", serviceID, claimCode, hash, d.ExpiresAt)
	if err != nil && !errors.Is(err, store.ErrConsumed) {
		return store.AuthorizationCode{}, err
	}
	return d.AuthorizationCode, err
}

// DeleteCodes deletes the service's codes that match f and reports how
// many. Their single-use claims stay until swept, harmlessly: no new code
// can have a deleted code's hash.
func (s *Store) DeleteCodes(ctx context.Context, serviceID int64, f store.TokenFilter) (int, error) {
	res, err := s.codes.DeleteMany(ctx, tokenFilter(serviceID, f))
	if err != nil {
		return 0, wrap("delete codes", err)
	}
	return int(res.DeletedCount), nil
}

// DeleteExpiredCodes removes, across all services, the codes that expired
// before the given time, then their claims, and reports how many codes it
// removed. Claims go second, for the reason given at DeleteExpiredTickets.
func (s *Store) DeleteExpiredCodes(ctx context.Context, before time.Time) (int, error) {
	expired := bson.D{{Key: "expiresAt", Value: bson.D{{Key: "$lt", Value: before}}}}
	res, err := s.codes.DeleteMany(ctx, expired)
	if err != nil {
		return 0, wrap("delete expired codes", err)
	}
	claims := append(bson.D{{Key: "kind", Value: claimCode}}, expired...)
	if _, err := s.claims.DeleteMany(ctx, claims); err != nil {
		return int(res.DeletedCount), wrap("delete expired code claims", err)
	}
	return int(res.DeletedCount), nil
}
