package api

import (
	"testing"

	"github.com/gatehouse-oss/gatehouse/service"
	"github.com/gatehouse-oss/gatehouse/store"
)

// testEngine returns an engine over st for a test.
func testEngine(t testing.TB, st store.Store) *service.Engine {
	t.Helper()
	e, err := service.New(service.Config{Store: st})
	if err != nil {
		t.Fatalf("service.New: %v", err)
	}
	return e
}
