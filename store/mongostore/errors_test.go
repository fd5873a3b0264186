package mongostore

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/gatehouse-oss/gatehouse/store"
)

// TestWrap pins the translation of driver errors, including the FerretDB
// forms measured against v1.24.0, without needing a server.
func TestWrap(t *testing.T) {
	ferretUpdateDup := mongo.CommandError{
		Code: 1,
		Name: "InternalError",
		Message: "[msg_update.go:133 handler.(*Handler).updateDocument] [update.go:114 common.UpdateDocument] " +
			"[collection.go:191 sqlite.(*collection).UpdateAll] [collection.go:177 sqlite.(*collection).UpdateAll.func1] " +
			"constraint failed: UNIQUE constraint failed: index 'clients_0c1d2e3f_aliasKey_unique' (2067)",
	}
	insertDup := mongo.WriteException{WriteErrors: []mongo.WriteError{{
		Code:    11000,
		Message: "E11000 duplicate key error collection: db.clients",
	}}}
	locked := mongo.CommandError{Code: 1, Name: "InternalError", Message: "sqlite: step: database is locked (5) (SQLITE_BUSY)"}
	steppedDown := mongo.CommandError{Code: 189, Name: "PrimarySteppedDown"}
	otherInternal := mongo.CommandError{Code: 1, Name: "InternalError", Message: "something else"}

	tests := []struct {
		name string
		err  error
		want error // nil: no sentinel
	}{
		{"no documents", mongo.ErrNoDocuments, store.ErrNotFound},
		{"duplicate on insert", insertDup, store.ErrAlreadyExists},
		{"FerretDB duplicate on update", ferretUpdateDup, store.ErrAlreadyExists},
		{"FerretDB database is locked", locked, store.ErrUnavailable},
		{"primary stepped down", steppedDown, store.ErrUnavailable},
		{"deadline", fmt.Errorf("op: %w", context.DeadlineExceeded), store.ErrUnavailable},
		{"disconnected client", mongo.ErrClientDisconnected, store.ErrUnavailable},
		{"unknown internal error", otherInternal, nil},
		{"caller cancelled", context.Canceled, nil},
	}
	sentinels := []error{store.ErrNotFound, store.ErrAlreadyExists, store.ErrConsumed, store.ErrUnavailable}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := wrap("op", tt.err)
			for _, s := range sentinels {
				if errors.Is(got, s) != (s == tt.want) {
					t.Errorf("wrap(%v) = %v: errors.Is(%v) = %v", tt.err, got, s, !(s == tt.want))
				}
			}
			if tt.err != mongo.ErrNoDocuments && !hasCause(got, tt.err) {
				t.Errorf("wrap(%v) = %v: cause lost", tt.err, got)
			}
		})
	}
	if wrap("op", nil) != nil {
		t.Error("wrap(nil) != nil")
	}
}

// hasCause reports whether cause is in err's chain. The driver's server
// errors hold slices and are not comparable, so errors.Is cannot find them;
// errors.As finds them by type.
func hasCause(err, cause error) bool {
	switch cause.(type) {
	case mongo.CommandError:
		return errors.As(err, new(mongo.CommandError))
	case mongo.WriteException:
		return errors.As(err, new(mongo.WriteException))
	default:
		return errors.Is(err, cause)
	}
}
