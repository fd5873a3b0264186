package service

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/gatehouse-oss/gatehouse/store"
)

// Kind classifies a failed call; the HTTP layer maps each Kind to a status.
type Kind int

// The kinds of failure.
const (
	KindInternal        Kind = iota // the engine failed (500)
	KindUnavailable                 // the store could not be reached (503)
	KindInvalid                     // the caller sent a bad request (400)
	KindUnauthorized                // missing or wrong API credentials (401)
	KindNotFound                    // no such resource for this caller (404)
	KindConflict                    // a unique value is taken (409)
	KindTooLarge                    // the request body is too large (413)
	KindMethod                      // the path exists, not with this method (405)
	KindTooManyRequests             // the service's request rate limit is exceeded (429)
)

// FieldError names one bad field of a request body and says what is wrong.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is a failed engine call. Code and Message form the resultCode and
// resultMessage of the API response; Err keeps the cause for the log and is
// never shown to the caller.
type Error struct {
	Kind    Kind
	Code    string
	Message string
	Fields  []FieldError
	Err     error
	// RetryAfter, in seconds, is when a KindTooManyRequests call may be
	// tried again.
	RetryAfter int
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.ResultMessage() + ": " + e.Err.Error()
	}
	return e.ResultMessage()
}

func (e *Error) Unwrap() error { return e.Err }

// ResultMessage is the caller-facing message: "[G002202] ...", listing every
// bad field when there are any.
func (e *Error) ResultMessage() string {
	msg := fmt.Sprintf("[%s] %s", e.Code, e.Message)
	if len(e.Fields) > 0 {
		parts := make([]string, len(e.Fields))
		for i, f := range e.Fields {
			parts[i] = f.Field + ": " + f.Message
		}
		msg += ": " + strings.Join(parts, "; ")
	}
	return msg
}

// newError builds an *Error for a result of the catalogue.
func newError(r result, cause error, args ...any) *Error {
	return &Error{Kind: r.kind, Code: r.code, Message: fmt.Sprintf(r.text, args...), Err: cause}
}

// newFieldsError builds an *Error of result r that names bad fields.
func newFieldsError(r result, fields []FieldError) *Error {
	e := newError(r, nil)
	e.Fields = fields
	return e
}

// InvalidFields reports a request body with bad fields (400).
func InvalidFields(fields []FieldError) *Error { return newFieldsError(resInvalidBody, fields) }

// InvalidQuery reports bad query parameters (400).
func InvalidQuery(fields []FieldError) *Error { return newFieldsError(resInvalidQuery, fields) }

// Malformed reports a request the engine cannot read at all (400).
func Malformed(detail string) *Error { return newError(resMalformed, nil, detail) }

// Unauthorized reports missing or wrong API credentials (401).
func Unauthorized() *Error { return newError(resUnauthorized, nil) }

// TooLarge reports a request body over the limit (413).
func TooLarge(limit int64) *Error { return newError(resTooLarge, nil, limit) }

// RateLimited reports a call over the service's requestRateLimit (429),
// which may be tried again after retryAfter seconds.
func RateLimited(limit int64, retryAfter int) *Error {
	e := newError(resRateLimited, nil, limit)
	e.RetryAfter = retryAfter
	return e
}

// MethodNotAllowed reports a known path called with the wrong method (405).
func MethodNotAllowed() *Error { return newError(resMethod, nil) }

// RouteNotFound reports a path the API does not serve (404).
func RouteNotFound() *Error { return newError(resNoRoute, nil) }

// ServiceNotFound reports an unknown service (404).
func ServiceNotFound(apiKey string) *Error { return newError(resServiceNotFound, nil, apiKey) }

// ClientNotFound reports an unknown client (404), worded the same whether the
// client does not exist or belongs to another service.
func ClientNotFound(identifier string) *Error {
	return newError(resClientNotFound, nil, strconv.Quote(identifier))
}

// PrivateKeysRefused answers a request for private keys (400).
func PrivateKeysRefused() *Error { return newError(resPrivateKeysRefused, nil) }

// EngineFault is the resultCode and resultMessage of a runtime call the
// engine failed; the cause is logged, never shown.
func EngineFault() (code, message string) { return resAuthzEngine.message() }

// Internal wraps an unexpected failure as an opaque 500; the cause goes to
// the log only.
func Internal(cause error) *Error { return newError(resInternal, cause) }

// storeError turns a store failure into an *Error: a missing record becomes
// the given not-found result, an outage 503, anything else an opaque 500.
func storeError(err error, notFound result, args ...any) *Error {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return newError(notFound, err, args...)
	case errors.Is(err, store.ErrUnavailable):
		return newError(resUnavailable, err)
	default:
		return Internal(err)
	}
}

// AsError returns err as an *Error, wrapping anything else as Internal.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	if errors.Is(err, store.ErrUnavailable) {
		return newError(resUnavailable, err)
	}
	return Internal(err)
}
