package mongostore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"

	"github.com/gatehouse-oss/gatehouse/store"
)

// Defaults of Config.
const (
	DefaultDatabase = "gatehouse"
	DefaultTimeout  = 10 * time.Second
)

// Config says where the store lives.
type Config struct {
	// URI is a MongoDB connection string ("mongodb://host:27017/"); required.
	URI string
	// Database is the database holding Gatehouse's collections; empty means
	// DefaultDatabase.
	Database string
	// Timeout bounds server selection and every store call whose context has
	// no earlier deadline, so that an unreachable server fails a request with
	// store.ErrUnavailable instead of hanging it. Zero means DefaultTimeout. It
	// takes precedence over the timeout options of the URI.
	Timeout time.Duration
	// Observe, when set, is told of every command the driver completes:
	// its name, how long it took and whether it failed. It is how metrics
	// see the store without this package knowing of them.
	Observe func(command string, d time.Duration, failed bool)
}

// Store is a store.Store on MongoDB. It is safe for concurrent use; any
// number of engine instances may share one database.
type Store struct {
	client   *mongo.Client
	services *mongo.Collection
	clients  *mongo.Collection
	tickets  *mongo.Collection
	claims   *mongo.Collection
	keys     *mongo.Collection
	codes    *mongo.Collection
	tokens   *mongo.Collection
}

var _ store.Store = (*Store)(nil)

// Open connects to the server, checks that it answers, and creates the
// indexes the store relies on (creating an existing index is a no-op, so
// every engine instance does this at start). A server that cannot be reached
// within the timeout gives store.ErrUnavailable.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.URI == "" {
		return nil, errors.New("mongostore: open: empty URI")
	}
	if cfg.Database == "" {
		cfg.Database = DefaultDatabase
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	opts := options.Client().
		ApplyURI(cfg.URI).
		SetTimeout(cfg.Timeout).
		SetServerSelectionTimeout(cfg.Timeout)
	if observe := cfg.Observe; observe != nil {
		opts.SetMonitor(&event.CommandMonitor{
			Succeeded: func(_ context.Context, e *event.CommandSucceededEvent) {
				observe(e.CommandName, e.Duration, false)
			},
			Failed: func(_ context.Context, e *event.CommandFailedEvent) {
				observe(e.CommandName, e.Duration, true)
			},
		})
	}
	client, err := mongo.Connect(opts)
	if err != nil {
		// Connect does no I/O: this is a malformed URI or option.
		return nil, fmt.Errorf("mongostore: open: %w", err)
	}
	db := client.Database(cfg.Database)
	s := &Store{
		client:   client,
		services: db.Collection("services"),
		clients:  db.Collection("clients"),
		tickets:  db.Collection("tickets"),
		claims:   db.Collection("claims"),
		keys:     db.Collection("keys"),
		codes:    db.Collection("codes"),
		tokens:   db.Collection("tokens"),
	}
	if err := s.Ping(ctx); err != nil {
		_ = client.Disconnect(context.WithoutCancel(ctx))
		return nil, err
	}
	if err := s.createIndexes(ctx); err != nil {
		_ = client.Disconnect(context.WithoutCancel(ctx))
		return nil, err
	}
	return s, nil
}

// Ping reports whether the primary answers (store.ErrUnavailable if not).
func (s *Store) Ping(ctx context.Context) error {
	return wrap("ping", s.client.Ping(ctx, readpref.Primary()))
}

// Close closes the connections to the server; the Store is unusable after it.
func (s *Store) Close(ctx context.Context) error {
	return wrap("close", s.client.Disconnect(ctx))
}

// index describes one index; names are explicit so that the definitions are
// stable and a second Open finds exactly the indexes the first one created.
type index struct {
	name   string
	keys   bson.D
	unique bool
	sparse bool
}

func asc(fields ...string) bson.D {
	d := make(bson.D, len(fields))
	for i, f := range fields {
		d[i] = bson.E{Key: f, Value: 1}
	}
	return d
}

func (s *Store) createIndexes(ctx context.Context) error {
	all := []struct {
		coll    *mongo.Collection
		indexes []index
	}{
		{s.services, []index{
			{name: "apiKey_unique", keys: asc("apiKey"), unique: true},
			{name: "list", keys: asc("createdAt", "apiKey")},
		}},
		{s.clients, []index{
			{name: "clientId_unique", keys: asc("serviceId", "clientId"), unique: true},
			{name: "aliasKey_unique", keys: asc("aliasKey"), unique: true, sparse: true},
			{name: "list", keys: asc("serviceId", "createdAt", "clientId")},
		}},
		{s.tickets, []index{
			{name: "hash_unique", keys: asc("serviceId", "hash"), unique: true},
			{name: "expiresAt", keys: asc("expiresAt")},
		}},
		{s.claims, []index{
			{name: "key_unique", keys: asc("serviceId", "kind", "key"), unique: true},
			{name: "expiresAt", keys: asc("expiresAt")},
		}},
		{s.keys, []index{
			{name: "kid_unique", keys: asc("serviceId", "kid"), unique: true},
			{name: "list", keys: asc("serviceId", "createdAt", "kid")},
		}},
		{s.codes, []index{
			{name: "hash_unique", keys: asc("serviceId", "hash"), unique: true},
			{name: "expiresAt", keys: asc("expiresAt")},
		}},
		{s.tokens, []index{
			{name: "hash_unique", keys: asc("serviceId", "hash"), unique: true},
			{name: "grant", keys: asc("serviceId", "grantId")},
			{name: "byClient", keys: asc("serviceId", "clientId", "createdAt")},
			{name: "bySubject", keys: asc("serviceId", "subject", "createdAt")},
			{name: "expiresAt", keys: asc("expiresAt")},
		}},
	}
	// One createIndexes command per index: FerretDB 1.24 panics (and drops
	// the connection) when one command re-creates several existing indexes,
	// which is what every Open after the first does.
	for _, c := range all {
		for _, ix := range c.indexes {
			o := options.Index().SetName(ix.name)
			if ix.unique {
				o.SetUnique(true)
			}
			if ix.sparse {
				o.SetSparse(true)
			}
			model := mongo.IndexModel{Keys: ix.keys, Options: o}
			if _, err := c.coll.Indexes().CreateOne(ctx, model); err != nil {
				return wrap("create index "+c.coll.Name()+"."+ix.name, err)
			}
		}
	}
	return nil
}

// newID returns a fresh document _id. UUIDv7 is time-ordered, so new
// documents land at the end of the _id index instead of all over it.
func newID() (string, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return "", fmt.Errorf("mongostore: new document id: %w", err)
	}
	return id.String(), nil
}

// pageOptions turns the half-open range [Start, End) of a listing into skip
// and limit. ok is false for an empty range: the driver reads limit 0 as "no
// limit", so an empty page must not reach the server.
func pageOptions(p store.Page, sort bson.D) (opts *options.FindOptionsBuilder, ok bool) {
	start := max(p.Start, 0)
	if p.End <= start {
		return nil, false
	}
	return options.Find().SetSort(sort).SetSkip(int64(start)).SetLimit(int64(p.End - start)), true
}
