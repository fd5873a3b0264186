package memstore_test

import (
	"testing"

	"github.com/gatehouse-oss/gatehouse/store"
	"github.com/gatehouse-oss/gatehouse/store/memstore"
	"github.com/gatehouse-oss/gatehouse/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(*testing.T) store.Store { return memstore.New() })
}
