// Package mongotest gives tests a throwaway MongoDB database on the server
// named by GATEHOUSE_TEST_MONGO_URI (scripts/with-ferretdb.sh starts one and
// sets it). It is shared by the backend's own tests and by the engine's
// end-to-end tests, so that "skip or fail" is decided in one place.
package mongotest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// URI returns the server the tests run against. Without one the test is
// skipped, except when GATEHOUSE_TEST_MONGO_REQUIRED=1: `make test` sets
// that, so that a run that silently skipped the production backend fails.
func URI(t testing.TB) string {
	t.Helper()
	uri := os.Getenv("GATEHOUSE_TEST_MONGO_URI")
	if uri != "" {
		return uri
	}
	if os.Getenv("GATEHOUSE_TEST_MONGO_REQUIRED") == "1" {
		t.Fatal("GATEHOUSE_TEST_MONGO_URI is empty but GATEHOUSE_TEST_MONGO_REQUIRED=1; run the tests through scripts/with-ferretdb.sh")
	}
	t.Skip("GATEHOUSE_TEST_MONGO_URI is empty; run through scripts/with-ferretdb.sh to test against FerretDB")
	return ""
}

// Database is a database that exists for one test only: a random name,
// dropped when the test ends.
type Database struct {
	URI, Name string
	// DB is a direct connection, to look behind the store.
	DB *mongo.Database
}

// New creates a throwaway database for t.
func New(t testing.TB) Database {
	t.Helper()
	uri := URI(t)
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	name := "gatehouse_test_" + hex.EncodeToString(b)

	client, err := mongo.Connect(options.Client().ApplyURI(uri).SetTimeout(30 * time.Second))
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() {
		ctx := context.Background()
		if err := client.Database(name).Drop(ctx); err != nil {
			t.Errorf("drop test database %s: %v", name, err)
		}
		_ = client.Disconnect(ctx)
	})
	return Database{URI: uri, Name: name, DB: client.Database(name)}
}
