package mongostore

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/gatehouse-oss/gatehouse/store"
)

// serviceDoc is a service as stored: the record plus its document _id. The
// _id is omitted from replacements so that the server keeps the original.
type serviceDoc struct {
	ID            string `bson:"_id,omitempty"`
	store.Service `bson:",inline"`
}

// byAPIKey selects one service. The API key is the service's ID, so this
// filter also leads with the shard key.
func byAPIKey(serviceID int64) bson.D {
	return bson.D{{Key: "apiKey", Value: serviceID}}
}

// byService selects everything a service owns in a tenant-scoped collection.
func byService(serviceID int64) bson.D {
	return bson.D{{Key: "serviceId", Value: serviceID}}
}

// CreateService stores a new service; ErrAlreadyExists if its API key is taken.
func (s *Store) CreateService(ctx context.Context, svc store.Service) error {
	id, err := newID()
	if err != nil {
		return err
	}
	_, err = s.services.InsertOne(ctx, serviceDoc{ID: id, Service: svc})
	return wrap("create service", err)
}

// GetService returns the service or ErrNotFound.
func (s *Store) GetService(ctx context.Context, serviceID int64) (store.Service, error) {
	var d serviceDoc
	if err := s.services.FindOne(ctx, byAPIKey(serviceID)).Decode(&d); err != nil {
		return store.Service{}, wrap("get service", err)
	}
	return d.Service, nil
}

// ListServices returns the services in [page.Start, page.End) ordered by
// creation time then API key, and the number of all services.
func (s *Store) ListServices(ctx context.Context, page store.Page) ([]store.Service, int, error) {
	total, err := s.services.CountDocuments(ctx, bson.D{})
	if err != nil {
		return nil, 0, wrap("count services", err)
	}
	opts, ok := pageOptions(page, asc("createdAt", "apiKey"))
	if !ok {
		return []store.Service{}, int(total), nil
	}
	cur, err := s.services.Find(ctx, bson.D{}, opts)
	if err != nil {
		return nil, 0, wrap("list services", err)
	}
	var docs []serviceDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, 0, wrap("list services", err)
	}
	out := make([]store.Service, len(docs))
	for i, d := range docs {
		out[i] = d.Service
	}
	return out, int(total), nil
}

// UpdateService replaces the stored service with svc, keeping its document
// _id; ErrNotFound if no service has svc.APIKey.
func (s *Store) UpdateService(ctx context.Context, svc store.Service) error {
	res, err := s.services.ReplaceOne(ctx, byAPIKey(svc.APIKey), serviceDoc{Service: svc})
	if err != nil {
		return wrap("update service", err)
	}
	if res.MatchedCount == 0 {
		return wrap("update service", mongo.ErrNoDocuments)
	}
	return nil
}

// DeleteService deletes the service and everything it owns; ErrNotFound if
// it does not exist. The service document goes last: a call that fails
// half-way leaves the service in place, so retrying the same call finishes
// the job, and no client, ticket, code, claim, token or key outlives its
// service. Tickets and codes go before the claims, as in the expiry sweeps,
// so that an interrupted call never leaves a used one without its claim.
func (s *Store) DeleteService(ctx context.Context, serviceID int64) error {
	for _, c := range []*mongo.Collection{s.clients, s.tickets, s.codes, s.claims, s.tokens, s.keys} {
		if _, err := c.DeleteMany(ctx, byService(serviceID)); err != nil {
			return wrap("delete service: delete "+c.Name(), err)
		}
	}
	res, err := s.services.DeleteOne(ctx, byAPIKey(serviceID))
	if err != nil {
		return wrap("delete service", err)
	}
	if res.DeletedCount == 0 {
		return wrap("delete service", mongo.ErrNoDocuments)
	}
	return nil
}
