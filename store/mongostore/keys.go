package mongostore

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/gatehouse-oss/gatehouse/store"
)

// keyDoc is a signing key as stored: the record plus its document _id. The
// private key is in the record only in sealed form.
type keyDoc struct {
	ID               string `bson:"_id"`
	store.SigningKey `bson:",inline"`
}

// CreateKey stores a key; ErrAlreadyExists if its key ID is taken in its service.
func (s *Store) CreateKey(ctx context.Context, k store.SigningKey) error {
	id, err := newID()
	if err != nil {
		return err
	}
	_, err = s.keys.InsertOne(ctx, keyDoc{ID: id, SigningKey: k})
	return wrap("create key", err)
}

// ListKeys returns the service's keys, oldest first.
func (s *Store) ListKeys(ctx context.Context, serviceID int64) ([]store.SigningKey, error) {
	cur, err := s.keys.Find(ctx, byService(serviceID), options.Find().SetSort(asc("createdAt", "kid")))
	if err != nil {
		return nil, wrap("list keys", err)
	}
	var docs []keyDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, wrap("list keys", err)
	}
	out := make([]store.SigningKey, len(docs))
	for i, d := range docs {
		out[i] = d.SigningKey
	}
	return out, nil
}

// DeleteKey deletes a key; ErrNotFound if it does not exist.
func (s *Store) DeleteKey(ctx context.Context, serviceID int64, kid string) error {
	filter := append(byService(serviceID), bson.E{Key: "kid", Value: kid})
	res, err := s.keys.DeleteOne(ctx, filter)
	if err != nil {
		return wrap("delete key", err)
	}
	if res.DeletedCount == 0 {
		return wrap("delete key", mongo.ErrNoDocuments)
	}
	return nil
}
