package mongostore

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/gatehouse-oss/gatehouse/store"
)

// tokenDoc is an access or refresh token as stored: the record plus its
// document _id. Only the token's hash is stored, never the raw token.
type tokenDoc struct {
	ID          string `bson:"_id"`
	store.Token `bson:",inline"`
}

// CreateToken stores a token; ErrAlreadyExists if its hash is taken in its
// service.
func (s *Store) CreateToken(ctx context.Context, t store.Token) error {
	id, err := newID()
	if err != nil {
		return err
	}
	_, err = s.tokens.InsertOne(ctx, tokenDoc{ID: id, Token: t})
	return wrap("create token", err)
}

// GetToken returns the token with this hash, or ErrNotFound.
func (s *Store) GetToken(ctx context.Context, serviceID int64, hash string) (store.Token, error) {
	filter := bson.D{{Key: "serviceId", Value: serviceID}, {Key: "hash", Value: hash}}
	var d tokenDoc
	if err := s.tokens.FindOne(ctx, filter).Decode(&d); err != nil {
		return store.Token{}, wrap("get token", err)
	}
	return d.Token, nil
}

// DeleteGrant deletes every token of the grant in the service, through the
// {serviceId, grantId} index, and reports how many it deleted. DeleteMany is
// not atomic across documents: a call that fails half-way may leave some of
// the grant's tokens, and retrying it deletes the rest.
func (s *Store) DeleteGrant(ctx context.Context, serviceID int64, grantID string) (int, error) {
	filter := append(byService(serviceID), bson.E{Key: "grantId", Value: grantID})
	res, err := s.tokens.DeleteMany(ctx, filter)
	if err != nil {
		return 0, wrap("delete grant", err)
	}
	return int(res.DeletedCount), nil
}

// tokenFilter is the query of f within the service. Its fields are plain
// values: a subject is matched as a string, never read as an operator.
func tokenFilter(serviceID int64, f store.TokenFilter) bson.D {
	q := byService(serviceID)
	if f.ClientID != 0 {
		q = append(q, bson.E{Key: "clientId", Value: f.ClientID})
	}
	if f.Subject != "" {
		q = append(q, bson.E{Key: "subject", Value: f.Subject})
	}
	return q
}

// ListTokens returns one page of the service's tokens that match f, served
// by the {serviceId, clientId, createdAt} and {serviceId, subject,
// createdAt} indexes, and how many match.
func (s *Store) ListTokens(ctx context.Context, serviceID int64, f store.TokenFilter, page store.Page) ([]store.Token, int, error) {
	q := tokenFilter(serviceID, f)
	total, err := s.tokens.CountDocuments(ctx, q)
	if err != nil {
		return nil, 0, wrap("count tokens", err)
	}
	opts, ok := pageOptions(page, asc("createdAt", "hash"))
	if !ok {
		return []store.Token{}, int(total), nil
	}
	cur, err := s.tokens.Find(ctx, q, opts)
	if err != nil {
		return nil, 0, wrap("list tokens", err)
	}
	var docs []tokenDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, 0, wrap("list tokens", err)
	}
	out := make([]store.Token, len(docs))
	for i, d := range docs {
		out[i] = d.Token
	}
	return out, int(total), nil
}

// DeleteTokens deletes every token of the service that matches f and
// reports how many. Like DeleteGrant it is not atomic across documents; a
// retry deletes what a failed call left.
func (s *Store) DeleteTokens(ctx context.Context, serviceID int64, f store.TokenFilter) (int, error) {
	res, err := s.tokens.DeleteMany(ctx, tokenFilter(serviceID, f))
	if err != nil {
		return 0, wrap("delete tokens", err)
	}
	return int(res.DeletedCount), nil
}

// DeleteExpiredTokens removes, across all services, the tokens that expired
// before the given time and reports how many it removed.
func (s *Store) DeleteExpiredTokens(ctx context.Context, before time.Time) (int, error) {
	expired := bson.D{{Key: "expiresAt", Value: bson.D{{Key: "$lt", Value: before}}}}
	res, err := s.tokens.DeleteMany(ctx, expired)
	if err != nil {
		return 0, wrap("delete expired tokens", err)
	}
	return int(res.DeletedCount), nil
}
