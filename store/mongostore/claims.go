package mongostore

import (
	"context"
	"fmt"
	"regexp"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/gatehouse-oss/gatehouse/store"
)

// Kinds of claim. A claim's key is unique within its service and kind.
const (
	claimTicket = "ticket" // key: the ticket's hash
	claimCode   = "code"   // key: the authorization code's hash
)

// claimDoc marks a single-use record as used. Its only job is to exist: the
// unique index on {serviceId, kind, key} lets exactly one insert succeed,
// which is atomic on FerretDB as on MongoDB, where a read-modify-write of the
// record itself is not atomic on FerretDB (see the package documentation).
type claimDoc struct {
	ID        string `bson:"_id"`
	ServiceID int64  `bson:"serviceId"`
	Kind      string `bson:"kind"`
	Key       string `bson:"key"`
	// ExpiresAt is the claimed record's expiry, so the sweep can remove the
	// claim along with (after) the record.
	ExpiresAt time.Time `bson:"expiresAt"`
}

// claim records the single use of (kind, key) in the service. It returns nil
// to the one caller that claims first and an error wrapping store.ErrConsumed
// to every later one.
func (s *Store) claim(ctx context.Context, op string, serviceID int64, kind, key string, expiresAt time.Time) error {
	id, err := newID()
	if err != nil {
		return err
	}
	_, err = s.claims.InsertOne(ctx, claimDoc{ID: id, ServiceID: serviceID, Kind: kind, Key: key, ExpiresAt: expiresAt})
	if isDuplicateKey(err) {
		return fmt.Errorf("mongostore: %s: %w", op, store.ErrConsumed)
	}
	return wrap(op, err)
}

// publicClaimPrefix keeps the kinds of Claim apart from the store's own
// (tickets, codes), so that no caller can block or sweep those.
const publicClaimPrefix = "once:"

// Claim marks (kind, key) used in the service until expiresAt; ErrConsumed
// for every caller after the first.
func (s *Store) Claim(ctx context.Context, serviceID int64, kind, key string, expiresAt time.Time) error {
	return s.claim(ctx, "claim "+kind, serviceID, publicClaimPrefix+kind, key, expiresAt)
}

// Claimed reports whether Claim marked (kind, key) in the service.
func (s *Store) Claimed(ctx context.Context, serviceID int64, kind, key string) (bool, error) {
	filter := append(byService(serviceID), bson.E{Key: "kind", Value: publicClaimPrefix + kind}, bson.E{Key: "key", Value: key})
	n, err := s.claims.CountDocuments(ctx, filter, options.Count().SetLimit(1))
	if err != nil {
		return false, wrap("read claim", err)
	}
	return n > 0, nil
}

// DeleteExpiredClaims removes the expired marks made by Claim.
func (s *Store) DeleteExpiredClaims(ctx context.Context, before time.Time) (int, error) {
	filter := bson.D{
		{Key: "kind", Value: bson.D{{Key: "$regex", Value: "^" + regexp.QuoteMeta(publicClaimPrefix)}}},
		{Key: "expiresAt", Value: bson.D{{Key: "$lt", Value: before}}},
	}
	res, err := s.claims.DeleteMany(ctx, filter)
	if err != nil {
		return 0, wrap("delete expired claims", err)
	}
	return int(res.DeletedCount), nil
}
