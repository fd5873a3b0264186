package mongostore

import (
	"context"
	"strconv"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/gatehouse-oss/gatehouse/store"
)

// clientDoc is a client as stored: the record, its document _id, and the
// derived aliasKey that makes aliases unique per service (see the package
// documentation). The _id is omitted from replacements so that the server
// keeps the original.
type clientDoc struct {
	ID           string `bson:"_id,omitempty"`
	store.Client `bson:",inline"`
	// AliasKey is aliasKey(ServiceID, ClientIDAlias), absent when the client
	// has no alias so that the sparse unique index leaves it out.
	AliasKey string `bson:"aliasKey,omitempty"`
}

func newClientDoc(id string, c store.Client) clientDoc {
	return clientDoc{ID: id, Client: c, AliasKey: aliasKey(c.ServiceID, c.ClientIDAlias)}
}

// aliasKey is "<serviceId>:<alias>", or "" for no alias. The service ID is a
// decimal integer without a colon, so the key is unambiguous whatever the
// alias contains.
func aliasKey(serviceID int64, alias string) string {
	if alias == "" {
		return ""
	}
	return strconv.FormatInt(serviceID, 10) + ":" + alias
}

func byClientID(serviceID, clientID int64) bson.D {
	return bson.D{{Key: "serviceId", Value: serviceID}, {Key: "clientId", Value: clientID}}
}

// CreateClient stores a new client; ErrAlreadyExists if its client ID or its
// alias is taken within its service.
func (s *Store) CreateClient(ctx context.Context, c store.Client) error {
	id, err := newID()
	if err != nil {
		return err
	}
	_, err = s.clients.InsertOne(ctx, newClientDoc(id, c))
	return wrap("create client", err)
}

// GetClient returns a client by its numeric ID, or ErrNotFound.
func (s *Store) GetClient(ctx context.Context, serviceID, clientID int64) (store.Client, error) {
	return s.findClient(ctx, "get client", byClientID(serviceID, clientID))
}

// GetClientByAlias returns a client by its alias, or ErrNotFound. The empty
// alias names no client.
func (s *Store) GetClientByAlias(ctx context.Context, serviceID int64, alias string) (store.Client, error) {
	if alias == "" {
		return store.Client{}, wrap("get client by alias", mongo.ErrNoDocuments)
	}
	// aliasKey alone would do; serviceId keeps the query tenant-scoped and
	// routable on a sharded cluster.
	filter := bson.D{
		{Key: "serviceId", Value: serviceID},
		{Key: "aliasKey", Value: aliasKey(serviceID, alias)},
	}
	return s.findClient(ctx, "get client by alias", filter)
}

func (s *Store) findClient(ctx context.Context, op string, filter bson.D) (store.Client, error) {
	var d clientDoc
	if err := s.clients.FindOne(ctx, filter).Decode(&d); err != nil {
		return store.Client{}, wrap(op, err)
	}
	return d.Client, nil
}

// ListClients returns the service's clients in [page.Start, page.End),
// ordered by creation time then client ID, and the service's number of
// clients.
func (s *Store) ListClients(ctx context.Context, serviceID int64, page store.Page) ([]store.Client, int, error) {
	total, err := s.clients.CountDocuments(ctx, byService(serviceID))
	if err != nil {
		return nil, 0, wrap("count clients", err)
	}
	opts, ok := pageOptions(page, asc("serviceId", "createdAt", "clientId"))
	if !ok {
		return []store.Client{}, int(total), nil
	}
	cur, err := s.clients.Find(ctx, byService(serviceID), opts)
	if err != nil {
		return nil, 0, wrap("list clients", err)
	}
	var docs []clientDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, 0, wrap("list clients", err)
	}
	out := make([]store.Client, len(docs))
	for i, d := range docs {
		out[i] = d.Client
	}
	return out, int(total), nil
}

// UpdateClient replaces the stored client with c, keeping its document _id;
// ErrNotFound if it does not exist, ErrAlreadyExists if its new alias is
// taken by another client of the service.
func (s *Store) UpdateClient(ctx context.Context, c store.Client) error {
	res, err := s.clients.ReplaceOne(ctx, byClientID(c.ServiceID, c.ClientID), newClientDoc("", c))
	if err != nil {
		return wrap("update client", err)
	}
	if res.MatchedCount == 0 {
		return wrap("update client", mongo.ErrNoDocuments)
	}
	return nil
}

// DeleteClient deletes a client; ErrNotFound if it does not exist.
func (s *Store) DeleteClient(ctx context.Context, serviceID, clientID int64) error {
	res, err := s.clients.DeleteOne(ctx, byClientID(serviceID, clientID))
	if err != nil {
		return wrap("delete client", err)
	}
	if res.DeletedCount == 0 {
		return wrap("delete client", mongo.ErrNoDocuments)
	}
	return nil
}
