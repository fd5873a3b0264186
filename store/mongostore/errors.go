package mongostore

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/topology"

	"github.com/gatehouse-oss/gatehouse/store"
)

// wrap translates a driver error into the store's vocabulary, naming the
// operation: "mongostore: get client: store: not found". It is the one place
// where driver errors become sentinels. The driver's error stays in the chain
// (except for "no documents", which says nothing more than ErrNotFound), so
// errors.Is sees both the sentinel and the cause, and a log shows the cause.
// Errors it does not recognise are wrapped without a sentinel: the API layer
// turns them into an opaque 500.
func wrap(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, mongo.ErrNoDocuments):
		return fmt.Errorf("mongostore: %s: %w", op, store.ErrNotFound)
	case isDuplicateKey(err):
		return fmt.Errorf("mongostore: %s: %w: %w", op, store.ErrAlreadyExists, err)
	case isUnavailable(err):
		return fmt.Errorf("mongostore: %s: %w: %w", op, store.ErrUnavailable, err)
	default:
		return fmt.Errorf("mongostore: %s: %w", op, err)
	}
}

// FerretDB (SQLite backend) reports a unique index violated by an update or
// replace not as MongoDB's 11000 but as InternalError, code 1, carrying
// SQLite's message (measured on FerretDB v1.24.0):
//
//	[msg_update.go:133 handler.(*Handler).updateDocument] ...
//	constraint failed: UNIQUE constraint failed: index 'c_e60c2c52_k_1' (2067)
//
// 2067 is SQLITE_CONSTRAINT_UNIQUE. Inserts get a proper 11000. A write that
// SQLite could not serialise within its busy timeout fails, also as an
// InternalError, with SQLite's "database is locked" (SQLITE_BUSY) text.
const (
	ferretInternalError = 1
	sqliteUniqueMessage = "UNIQUE constraint failed"
	sqliteLockedMessage = "database is locked"
	sqliteBusyMessage   = "SQLITE_BUSY"
)

func isDuplicateKey(err error) bool {
	if mongo.IsDuplicateKeyError(err) {
		return true
	}
	var se mongo.ServerError
	return errors.As(err, &se) && se.HasErrorCodeWithMessage(ferretInternalError, sqliteUniqueMessage)
}

// retryableCodes are the server error codes that MongoDB's retryable-writes
// specification treats as transient: the node is stepping down, shutting
// down, or unreachable from the node that answered. The driver retries once;
// if the error still reaches us, the deployment is unavailable, not the
// request wrong.
var retryableCodes = []int{
	6,     // HostUnreachable
	7,     // HostNotFound
	89,    // NetworkTimeout
	91,    // ShutdownInProgress
	189,   // PrimarySteppedDown
	262,   // ExceededTimeLimit
	9001,  // SocketException
	10107, // NotWritablePrimary
	11600, // InterruptedAtShutdown
	11602, // InterruptedDueToReplStateChange
	13435, // NotPrimaryNoSecondaryOk
	13436, // NotPrimaryOrSecondary
}

// isUnavailable reports whether err means "the store cannot serve this now,
// try again later" rather than a fault of the request or of the engine.
func isUnavailable(err error) bool {
	if mongo.IsTimeout(err) || mongo.IsNetworkError(err) ||
		errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, mongo.ErrClientDisconnected) {
		return true
	}
	if errors.As(err, new(topology.ServerSelectionError)) {
		return true
	}
	var se mongo.ServerError
	if !errors.As(err, &se) {
		return false
	}
	if se.HasErrorLabel("RetryableWriteError") {
		return true
	}
	for _, code := range retryableCodes {
		if se.HasErrorCode(code) {
			return true
		}
	}
	return se.HasErrorMessage(sqliteLockedMessage) || se.HasErrorMessage(sqliteBusyMessage)
}
